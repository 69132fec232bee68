/**
 * PROXY protocol (v1 text, v2 binary) on a listener: options and the close
 * error. The header itself is parsed natively (native/core/codec/proxy_header).
 */
import { InvalidOptionError, ProxyProtocolError, type ProxyHeaderFault } from './errors';

/** `listen({ proxyProtocol })`: `true` takes both versions with the defaults. */
export interface ProxyProtocolOptions {
  /** ms from accept until the whole header must be in; 0 = no limit. Default 5000. */
  timeout?: number;
  /** Versions accepted. Default 'any'. */
  version?: 1 | 2 | 'any';
  /** Largest v2 header (16 + addresses + TLVs) in bytes. Default 4096 (16 to 65551). */
  maxLength?: number;
}

/** The native listen address's `proxy` member. */
export interface NativeProxyOptions {
  timeout: number;
  v1: boolean;
  v2: boolean;
  maxLength: number;
}

export function proxyListenOption(o: boolean | ProxyProtocolOptions | undefined): NativeProxyOptions | undefined {
  if (o === undefined || o === false) return undefined;
  const opts: ProxyProtocolOptions = o === true ? {} : o;
  if (typeof opts !== 'object' || opts === null) throw new InvalidOptionError('proxyProtocol', 'must be true or an object');
  const timeout = opts.timeout ?? 5000;
  if (!Number.isInteger(timeout) || timeout < 0 || timeout > 2 ** 31 - 1) {
    throw new InvalidOptionError('proxyProtocol.timeout', `must be a whole number of ms >= 0, got ${String(timeout)}`);
  }
  const version = opts.version ?? 'any';
  if (version !== 1 && version !== 2 && version !== 'any') {
    throw new InvalidOptionError('proxyProtocol.version', `must be 1, 2 or 'any', got ${String(version)}`);
  }
  const maxLength = opts.maxLength ?? 4096;
  if (!Number.isInteger(maxLength) || maxLength < 16 || maxLength > 65551) {
    throw new InvalidOptionError('proxyProtocol.maxLength', `must be an integer from 16 to 65551, got ${String(maxLength)}`);
  }
  return { timeout, v1: version !== 2, v2: version !== 1, maxLength };
}

/** Indexed by native proxy::Error. */
const FAULTS: readonly ProxyHeaderFault[] = [
  'malformed', 'missing', 'malformed', 'malformed', 'bad-tlv', 'bad-checksum', 'too-long', 'version-refused', 'truncated',
];
const TEXT: Record<ProxyHeaderFault, string> = {
  missing: 'no PROXY protocol header',
  malformed: 'malformed PROXY protocol header',
  'bad-tlv': 'malformed PROXY v2 TLVs',
  'bad-checksum': 'PROXY v2 CRC32C mismatch',
  'too-long': 'PROXY header too long',
  'version-refused': 'PROXY protocol version not accepted by this listener',
  truncated: 'connection ended inside the PROXY header',
};

/** The error onClose gets with reason 'proxy-error'; `detail` is the native proxy::Error. */
export function proxyCloseError(detail: number, connId: number | string): ProxyProtocolError {
  const fault = FAULTS[detail] ?? 'malformed';
  const version = detail === 2 ? 1 : detail === 3 || detail === 4 || detail === 5 ? 2 : undefined;
  return new ProxyProtocolError(fault, `connection ${connId}: ${TEXT[fault]}`, version);
}
