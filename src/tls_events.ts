/**
 * TLS failures as errors: a handshake that never opened a connection
 * (onTlsClientError) and a TLS connection's close reasons (onClose).
 */
import { TlsError } from './errors';
import { native } from './native';
import { CLOSE_REASONS } from './wire';
export { secureContext } from './tls';

const HANDSHAKE_CODES: Record<string, string> = {
  'tls-handshake-timeout': 'ERR_TLS_HANDSHAKE_TIMEOUT',
  'tls-handshake-failed': 'ERR_TLS_HANDSHAKE',
  'ktls-failed': 'ERR_KTLS',
};

function ktlsText(errno: number): string {
  return errno > 0 ? `kernel TLS hand-over failed (${native.errnoName(errno)})` : 'kernel TLS hand-over failed';
}

function opensslReason(code: number): string {
  return code > 0 ? native.tlsErrorString(code) : '';
}

/** @internal reason: native CloseReason; error: OpenSSL code or errno; peer: "family|address|port|..." */
export function tlsClientError(reason: number, error: number, peer: string): TlsError {
  const name = CLOSE_REASONS[reason] ?? 'error';
  const [, address, port] = peer.split('|');
  const where = `${address ?? '?'}:${port ?? '?'}`;
  const code = HANDSHAKE_CODES[name];
  if (code !== undefined) {
    const text = name === 'tls-handshake-timeout' ? 'handshake timeout'
      : name === 'ktls-failed' ? `tls.ktls 'require': ${ktlsText(error)}`
      : opensslReason(error) || 'handshake failed';
    return new TlsError(code, text, `TLS handshake with ${where} failed: ${text}`, address, Number(port));
  }
  // The socket failed or the client left before the handshake was done.
  const text = name === 'peer' ? 'client closed the connection during the handshake'
    : error > 0 ? `${native.errnoName(error)} during the handshake` : `${name} during the handshake`;
  return new TlsError('ERR_TLS_HANDSHAKE', text, `TLS handshake with ${where} failed: ${text}`, address, Number(port));
}

/** @internal onClose's error for a TLS close reason. */
export function tlsCloseError(reason: 'tls-error' | 'tls-abrupt' | 'ktls-failed', error: number, id: number): TlsError {
  if (reason === 'ktls-failed') {
    const text = ktlsText(error);
    return new TlsError('ERR_KTLS', text, `connection ${id}: ${text}`);
  }
  if (reason === 'tls-abrupt') {
    return new TlsError('ERR_TLS_ABRUPT_CLOSE', 'no close_notify', `connection ${id}: the peer closed TCP without close_notify`);
  }
  const text = opensslReason(error) || 'bad TLS record';
  return new TlsError('ERR_TLS', text, `connection ${id}: ${text}`);
}
