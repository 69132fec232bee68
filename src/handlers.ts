/**
 * The handlers every protocol shares: a connection's life (open, drain, end,
 * close, errors) and its frames. Each protocol module adds its own (goim:
 * onAuth, HTTP: onRequest, onClientError); src/protocols/index.ts composes
 * them into the public Handlers type.
 */
import type { Connection } from './connection';
import type { CloseReason } from './wire';

export interface ConnectionHandlers<T = unknown, F = Buffer> {
  /** A connection was accepted. Set conn.data here. */
  onOpen?(conn: Connection<T>): void;
  /**
   * One decoded frame (header stripped as the framing says). The Buffer is a
   * view into a batch buffer that is reused once the handler returns: keep it
   * with Buffer.from(frame) (or copyFrame) if you need it later.
   */
  onFrame?(conn: Connection<T>, frame: F): void;
  /** The outbound queue emptied after send()/write() returned false. */
  onDrain?(conn: Connection<T>): void;
  /** The peer sent FIN. Unless allowHalfOpen, the server ends its side after this returns. */
  onEnd?(conn: Connection<T>): void;
  /** The connection is gone; `error` is set for error reasons. */
  onClose?(conn: Connection<T>, reason: CloseReason, error?: Error): void;
  /** A handler threw (that connection is closed), or a server-level error (accept failures). */
  onError?(err: Error, conn?: Connection<T>): void;
}
