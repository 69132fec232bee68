/**
 * Mirror of native/core/wire.h: event records (native -> JS) and command log
 * entries (JS -> native). Change both files together.
 */

export const EVENT_INTS = 6;
export const F_TYPE = 0;
export const F_SLOT = 1;
export const F_GEN = 2;
export const F_OFFSET = 3;
export const F_LENGTH = 4;
export const F_AUX = 5;

export const EV_OPEN = 1;
export const EV_FRAME = 2;
export const EV_FRAME_BIG = 3;
export const EV_DRAIN = 4;
export const EV_END = 5;
export const EV_CLOSE = 6;
export const EV_SERVER_ERROR = 7;
export const EV_WORKER_DONE = 8;
/** A TLS handshake failed (native/core/wire.h): gen = OpenSSL error, aux = reason, offset/length = peer address text. */
export const EV_TLS_CLIENT_ERROR = 9;

export const CMD_SEND = 1;
export const CMD_WRITE = 2;
export const CMD_END = 3;
export const CMD_CLOSE = 4;
export const CMD_DESTROY = 5;
export const CMD_PAUSE = 6;
export const CMD_RESUME = 7;
export const CMD_WANT_DRAIN = 8;
/** Payload: int32 protocol op, then its bytes (native Protocol::onCommand). */
export const CMD_PROTOCOL = 9;
/** Payload: room name (UTF-8). */
export const CMD_JOIN = 10;
export const CMD_LEAVE = 11;
/** Payload: uint32 arena, offset, length: bytes of the batch JS is handling, sent by reference. */
export const CMD_SEND_REF = 13;
export const CMD_WRITE_REF = 14;

export const COMMAND_HEADER_BYTES = 16;

export const SERVER_ERR_ACCEPT = 1;
export const SERVER_ERR_MAX_CONNECTIONS = 2;
export const SERVER_ERR_MAX_HANDSHAKES = 3;

/** Why a connection closed, as onClose reports it. */
export type CloseReason =
  | 'local'
  | 'peer'
  | 'reset'
  | 'error'
  | 'frame-too-large'
  | 'bad-frame'
  | 'backpressure'
  | 'destroy'
  | 'server-close'
  | 'server-timeout'
  | 'handler-error'
  | 'idle-timeout'
  | 'read-timeout'
  | 'header-timeout'
  | 'auth-timeout'
  | 'heartbeat-timeout'
  | 'auth-required'
  | 'auth-rejected'
  | 'tls-handshake-timeout'
  | 'tls-handshake-failed'
  | 'tls-error'
  | 'tls-abrupt'
  | 'proxy-error'
  | 'proxy-timeout'
  | 'ws-closed'
  | 'ws-ended'
  | 'ws-protocol-error'
  | 'ws-close-timeout'
  | 'upgrade-rejected'
  | 'max-lifetime'
  | 'ktls-failed';

/** Indexed by the native CloseReason number. */
export const CLOSE_REASONS: readonly CloseReason[] = [
  'error', // 0: unused
  'local',
  'peer',
  'reset',
  'error',
  'frame-too-large',
  'bad-frame',
  'backpressure',
  'destroy',
  'server-close',
  'server-timeout',
  'handler-error',
  'error', // 12: rejected (never reaches JS)
  'idle-timeout',
  'read-timeout',
  'header-timeout',
  'auth-timeout',
  'heartbeat-timeout',
  'auth-required',
  'auth-rejected',
  'tls-handshake-timeout', // 20: reported by onTlsClientError (the connection never opened)
  'tls-handshake-failed', // 21: likewise
  'tls-error',
  'tls-abrupt',
  'proxy-error',
  'proxy-timeout',
  'ws-closed', // 26: the peer's close frame was answered (offset: its code)
  'ws-ended', // 27: ws.end()'s close was answered
  'ws-protocol-error', // 28: closed with offset's code (1002, 1003, 1007, 1009)
  'ws-close-timeout', // 29
  'upgrade-rejected', // 30: offset: the HTTP status
  'max-lifetime', // 31: a WebSocket open for maxLifetime (closed with 1001)
  'ktls-failed', // 32: the kernel TLS hand-over failed (offset: errno)
];

export const CLOSE_READ_TIMEOUT = 14;
export const CLOSE_HEARTBEAT_TIMEOUT = 17;
