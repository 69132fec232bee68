/**
 * Errors thrown or reported by ringnet. Every error is a class with a Node-style
 * `code`, so callers can branch on `err.code` exactly as they do with `node:net`.
 */

export class RingnetError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An option given to createServer() or listen() is invalid. */
export class InvalidOptionError extends RingnetError {
  readonly option: string;
  constructor(option: string, message: string) {
    super('ERR_INVALID_OPTION', `${option}: ${message}`);
    this.option = option;
  }
}

/** A frame longer than the framing's maxFrameLength arrived; that connection is closed. */
export class FrameTooLargeError extends RingnetError {
  constructor(message = 'frame exceeds maxFrameLength') {
    super('ERR_FRAME_TOO_LARGE', message);
  }
}

/** The peer sent bytes the framing cannot decode (e.g. an impossible length field). */
export class BadFrameError extends RingnetError {
  constructor(message = 'malformed frame') {
    super('ERR_BAD_FRAME', message);
  }
}

/** send() was given a payload the framing cannot encode (wrong size, too long). */
export class InvalidFrameError extends RingnetError {
  constructor(message: string) {
    super('ERR_INVALID_FRAME', message);
  }
}

/** Outbound bytes of a connection exceeded maxOutbound; the connection was closed. */
export class BackpressureError extends RingnetError {
  constructor(queued: number, limit: number) {
    super('ERR_BACKPRESSURE', `outbound queue ${queued} bytes exceeds maxOutbound ${limit}`);
  }
}

/** Which timeout closed a connection. */
export type TimeoutKind = 'idle' | 'read' | 'header' | 'auth' | 'heartbeat' | 'proxy';

/**
 * A connection timed out and was closed: `idle` (no bytes either way),
 * `read` (nothing received), `header` (an HTTP header section too slow),
 * `auth` (goim: no accepted auth). Code: ERR_IDLE_TIMEOUT, ERR_READ_TIMEOUT, ...
 */
export class ConnectionTimeoutError extends RingnetError {
  readonly timeout: TimeoutKind;
  constructor(timeout: TimeoutKind, message: string) {
    super(`ERR_${timeout.toUpperCase()}_TIMEOUT`, message);
    this.timeout = timeout;
  }
}

/** What was wrong with a PROXY protocol header (ProxyProtocolError#fault). */
export type ProxyHeaderFault =
  | 'missing' | 'malformed' | 'bad-tlv' | 'bad-checksum' | 'too-long' | 'version-refused' | 'truncated';

/**
 * A listener with `proxyProtocol` got a connection whose PROXY header was
 * missing or invalid; that connection was closed (reason 'proxy-error').
 * Code: ERR_PROXY_PROTOCOL; `fault` says what was wrong, `version` which
 * header version it was when known.
 */
export class ProxyProtocolError extends RingnetError {
  readonly fault: ProxyHeaderFault;
  readonly version: 1 | 2 | undefined;
  constructor(fault: ProxyHeaderFault, message: string, version?: 1 | 2) {
    super('ERR_PROXY_PROTOCOL', message);
    this.fault = fault;
    this.version = version;
  }
}

/** A room name that is empty, not a string, or longer than maxRoomNameLength. */
export class InvalidRoomError extends RingnetError {
  constructor(message: string) {
    super('ERR_INVALID_ROOM', message);
  }
}

/** conn.join() would put the connection in more than maxRoomsPerConnection rooms. */
export class RoomLimitError extends RingnetError {
  readonly limit: number;
  constructor(limit: number, message: string) {
    super('ERR_ROOM_LIMIT', message);
    this.limit = limit;
  }
}

/** The requested I/O backend cannot run here (not built, or refused by the kernel). */
export class BackendUnavailableError extends RingnetError {
  constructor(message: string) {
    super('ERR_BACKEND_UNAVAILABLE', message);
  }
}

/**
 * The native addon could not be loaded: no prebuilt binary for this platform
 * (e.g. musl, or an architecture without a prebuild) and none built from
 * source (`code` ERR_ADDON_NOT_FOUND), or the binary found did not load, e.g.
 * a glibc older than it needs (ERR_ADDON_LOAD_FAILED). The message says how
 * to build from source; `cause` is the loader's own error.
 */
export class AddonLoadError extends RingnetError {
  constructor(code: 'ERR_ADDON_NOT_FOUND' | 'ERR_ADDON_LOAD_FAILED', message: string, cause: unknown) {
    super(code, message);
    (this as { cause?: unknown }).cause = cause;
  }
}

/** The server is not in a state that allows the call (listen twice, closed). */
export class ServerStateError extends RingnetError {}

/** A system call failed: `code` is the errno name (EADDRINUSE, ECONNRESET, ...). */
export class SystemError extends RingnetError {
  readonly errno: number;
  readonly syscall: string;
  readonly address?: string;
  readonly port?: number;
  constructor(code: string, errno: number, syscall: string, message: string, address?: string, port?: number) {
    super(code, message);
    this.errno = errno;
    this.syscall = syscall;
    if (address !== undefined) this.address = address;
    if (port !== undefined) this.port = port;
  }
}

/** Turns an error thrown by the native layer into one of the classes above. */
export function fromNative(err: unknown): Error {
  if (!(err instanceof Error)) return new RingnetError('ERR_RINGNET', String(err));
  const e = err as Error & { code?: string; errno?: number; syscall?: string; address?: string; port?: number };
  if (typeof e.errno === 'number' && e.syscall && e.code) {
    return new SystemError(e.code, e.errno, e.syscall, e.message, e.address, e.port);
  }
  if (e.code === 'ERR_SERVER_ALREADY_LISTEN') return new ServerStateError(e.code, e.message);
  if (e.code) return new RingnetError(e.code, e.message);
  return err;
}

/**
 * TLS failed: `code` ERR_TLS_HANDSHAKE (the handshake failed: garbage instead
 * of a ClientHello, no shared cipher or version...), ERR_TLS_HANDSHAKE_TIMEOUT
 * (tls.handshakeTimeout passed), ERR_TLS (a bad record after the handshake),
 * ERR_TLS_ABRUPT_CLOSE (the peer closed TCP without close_notify), ERR_KTLS
 * (the kernel TLS hand-over failed: tls.ktls 'require' on a connection the
 * kernel did not take, or a failure after OpenSSL had let go of the keys).
 * `reason` is OpenSSL's text where it has one ("wrong version number").
 */
export class TlsError extends RingnetError {
  readonly reason: string;
  /** The peer, for a handshake that failed before a Connection existed. */
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  constructor(code: string, reason: string, message: string, remoteAddress?: string, remotePort?: number) {
    super(code, message);
    this.reason = reason;
    this.remoteAddress = remoteAddress;
    this.remotePort = remotePort;
  }
}

/** tls.ktls 'require' on a machine (or build) where kernel TLS cannot be used. */
export class KtlsUnavailableError extends RingnetError {
  constructor(message: string) {
    super('ERR_KTLS_UNAVAILABLE', message);
  }
}
