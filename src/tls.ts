/**
 * TLS options: validated and turned into a native certificate context at
 * createServer() (and at setSecureContext()), so bad material throws there,
 * not at the first handshake. Also the shape of conn.tls.
 */
import * as fs from 'node:fs';
import { InvalidOptionError, KtlsUnavailableError } from './errors';
import { native } from './native';

/** PEM text as a string or Buffer, or a path to a PEM file. */
export type PemInput = string | Buffer;

export interface TlsIdentityOptions {
  key: PemInput;
  cert: PemInput;
  /** Passphrase of an encrypted key. */
  passphrase?: string;
}

export interface TlsOptions extends TlsIdentityOptions {
  /** Certificates that complete the server's chain (PEM, or a list of them). */
  ca?: PemInput | PemInput[];
  /** Other certificates by SNI host name ('example.com', or '*.example.com' for one label). */
  sni?: { [host: string]: TlsIdentityOptions };
  /** ALPN protocols in preference order. Default ['http/1.1'] for framings 'http' and 'websocket' (and goim over WebSocket), none otherwise. */
  alpn?: string[];
  /** Default 'TLSv1.2'. */
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** OpenSSL cipher string; names starting with TLS_ are TLS 1.3 suites. Default: OpenSSL's. */
  ciphers?: string;
  /** Session resumption with tickets (stateless, one ticket per handshake). Default true. */
  sessionTickets?: boolean;
  /** A handshake not finished after this many ms is dropped ('tls-handshake-timeout'). 0 = never. Default 10000. */
  handshakeTimeout?: number;
  /** Handshakes in progress per worker; connections beyond are refused (ERR_TLS_MAX_HANDSHAKES). Default 1024. */
  maxHandshakes?: number;
  /**
   * Kernel TLS (transmit offload: records the server sends are encrypted by
   * the kernel, then sent with plain send). 'auto' (default): tried on every
   * connection when the kernel has the TLS ULP, userspace otherwise (per
   * connection, e.g. a cipher the kernel lacks; conn.tls.ktls.reason says
   * why); 'off'; 'require': createServer throws KtlsUnavailableError when the
   * kernel has no TLS, and a connection the kernel does not take is refused
   * (onTlsClientError, ERR_KTLS). Receive offload is never used (see README).
   */
  ktls?: 'auto' | 'off' | 'require';
}

/** What conn.tls reports once the handshake is done. */
export interface TlsInfo {
  /** 'TLSv1.2' or 'TLSv1.3'. */
  protocol: string;
  /** OpenSSL's name of the cipher ('TLS_AES_256_GCM_SHA384', 'ECDHE-RSA-AES128-GCM-SHA256'). */
  cipher: string;
  /** The ALPN protocol agreed on, or false. */
  alpn: string | false;
  /** The SNI host name the client sent, or false. */
  servername: string | false;
  /** The session was resumed (a ticket). */
  resumed: boolean;
  /** Kernel TLS offload per direction; reason: why a direction stays in userspace ('' when none). */
  ktls: { tx: boolean; rx: boolean; reason: string };
}

/** @internal what the native layer gets. */
export interface NormalizedTls {
  context: unknown;
  ktls: KtlsMode;
  handshakeTimeoutMs: number;
  maxHandshakes: number;
}

const TLS_KEYS = [
  'key', 'cert', 'passphrase', 'ca', 'sni', 'alpn', 'minVersion', 'ciphers', 'sessionTickets', 'handshakeTimeout',
  'maxHandshakes', 'ktls',
];

function pem(option: string, value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidOptionError(option, 'must be PEM text (string or Buffer) or a path to a PEM file');
  }
  if (value.includes('-----BEGIN')) return value;
  try {
    return fs.readFileSync(value, 'latin1');
  } catch (err) {
    throw new InvalidOptionError(option, `cannot read ${value}: ${(err as Error).message}`);
  }
}

function identity(prefix: string, value: unknown): { key: string; cert: string; passphrase?: string } {
  if (typeof value !== 'object' || value === null) throw new InvalidOptionError(prefix.slice(0, -1), 'must be an object');
  const o = value as Record<string, unknown>;
  if (o.key === undefined) throw new InvalidOptionError(`${prefix}key`, 'is required');
  if (o.cert === undefined) throw new InvalidOptionError(`${prefix}cert`, 'is required');
  if (o.passphrase !== undefined && typeof o.passphrase !== 'string') {
    throw new InvalidOptionError(`${prefix}passphrase`, 'must be a string');
  }
  return { key: pem(`${prefix}key`, o.key), cert: pem(`${prefix}cert`, o.cert), passphrase: o.passphrase as string | undefined };
}

function ms(option: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(option, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

type KtlsMode = 'auto' | 'off' | 'require';
const KTLS_MODES: Record<KtlsMode, number> = { auto: 0, off: 1, require: 2 };

function nativeContext(tls: Record<string, unknown>, defaultAlpn: readonly string[], ktls: KtlsMode): unknown {
  const main = identity('tls.', tls);
  let ca = '';
  if (tls.ca !== undefined) {
    const list = Array.isArray(tls.ca) ? tls.ca : [tls.ca];
    ca = list.map((c, i) => pem(`tls.ca[${i}]`, c)).join('\n');
  }
  const sni: Array<{ host: string; key: string; cert: string; passphrase?: string }> = [];
  if (tls.sni !== undefined) {
    if (typeof tls.sni !== 'object' || tls.sni === null) throw new InvalidOptionError('tls.sni', 'must be an object of host: { key, cert }');
    for (const [host, value] of Object.entries(tls.sni as Record<string, unknown>)) {
      if (!/^(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(host)) {
        throw new InvalidOptionError(`tls.sni['${host}']`, 'is not a host name (or *.domain)');
      }
      sni.push({ host: host.toLowerCase(), ...identity(`tls.sni['${host}'].`, value) });
    }
  }
  let alpn: string[] = [...defaultAlpn];
  if (tls.alpn !== undefined) {
    if (!Array.isArray(tls.alpn) || tls.alpn.some((p) => typeof p !== 'string' || p.length === 0 || Buffer.byteLength(p) > 255)) {
      throw new InvalidOptionError('tls.alpn', 'must be an array of protocol names (1 to 255 bytes)');
    }
    alpn = tls.alpn as string[];
  }
  let minVersion = 0x0303;
  if (tls.minVersion !== undefined) {
    if (tls.minVersion !== 'TLSv1.2' && tls.minVersion !== 'TLSv1.3') throw new InvalidOptionError('tls.minVersion', "must be 'TLSv1.2' or 'TLSv1.3'");
    minVersion = tls.minVersion === 'TLSv1.3' ? 0x0304 : 0x0303;
  }
  if (tls.ciphers !== undefined && (typeof tls.ciphers !== 'string' || tls.ciphers.length === 0)) {
    throw new InvalidOptionError('tls.ciphers', 'must be a non-empty OpenSSL cipher string');
  }
  if (tls.sessionTickets !== undefined && typeof tls.sessionTickets !== 'boolean') {
    throw new InvalidOptionError('tls.sessionTickets', 'must be a boolean');
  }
  try {
    return native.createTlsContext({
      ...main, ca, sni, alpn, minVersion, ciphers: tls.ciphers ?? '', sessionTickets: tls.sessionTickets ?? true, ktls: KTLS_MODES[ktls],
    });
  } catch (err) {
    // The native message names the option ("tls.key does not match the certificate (...)").
    const message = (err as Error).message;
    const option = /^(tls\.[A-Za-z]+(\['[^']*'\]\.[a-z]+)?)/.exec(message)?.[1] ?? 'tls';
    throw new InvalidOptionError(option, message.slice(option.length).replace(/^[:\s]+/, '') || message);
  }
}

/** @internal validates createServer's `tls` (undefined: no TLS). */
export function normalizeTls(value: unknown, defaultAlpn: readonly string[]): NormalizedTls | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidOptionError('tls', 'must be an object');
  const tls = value as Record<string, unknown>;
  for (const k of Object.keys(tls)) if (!TLS_KEYS.includes(k)) throw new InvalidOptionError(`tls.${k}`, 'is not a TLS option');
  const ktls = tls.ktls ?? 'auto';
  if (ktls !== 'auto' && ktls !== 'off' && ktls !== 'require') throw new InvalidOptionError('tls.ktls', "must be 'auto', 'off' or 'require'");
  if (ktls === 'require') {
    const available = native.kernelTlsAvailable();
    if (available !== true) throw new KtlsUnavailableError(`tls.ktls 'require': kernel TLS is unavailable: ${available}`);
  }
  return {
    context: nativeContext(tls, defaultAlpn, ktls),
    ktls,
    handshakeTimeoutMs: ms('tls.handshakeTimeout', tls.handshakeTimeout, 10000, 0, 2 ** 31 - 1),
    maxHandshakes: ms('tls.maxHandshakes', tls.maxHandshakes, 1024, 1, 1 << 20),
  };
}

/** @internal a new context for setSecureContext (same validation as createServer). */
export function secureContext(value: unknown, defaultAlpn: readonly string[], ktls: KtlsMode): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidOptionError('tls', 'must be an object');
  return nativeContext(value as Record<string, unknown>, defaultAlpn, ktls);
}

/** @internal conn.tls from the open event's fields after the address. */
export function parseTlsInfo(f: string[]): TlsInfo {
  return {
    protocol: f[0] ?? '',
    cipher: f[1] ?? '',
    alpn: f[2] ? f[2] : false,
    servername: f[3] ? f[3] : false,
    resumed: f[4] === '1',
    ktls: { tx: f[5] === '1', rx: f[6] === '1', reason: f[7] ?? '' },
  };
}
