/** The handlers of a WebSocket server (framing 'websocket', or handlers.websocket with framing 'http'). */
import type { HttpRequest } from '../http_request';
import type { ServerWebSocket } from './socket';
import type { WebSocketUpgrade } from './upgrade';

export interface WebSocketHandlers<T = unknown> {
  /**
   * A valid upgrade request on `path` (the path, headers and cookies are on
   * `req`). Accept with upgrade.accept(data, protocol?) or refuse with
   * upgrade.reject(status), now or later (a promise is fine) within
   * upgradeTimeout; reading from the client waits meanwhile. A throw or a
   * rejected promise refuses with 500 and goes to onError. Without this
   * handler every valid upgrade on `path` is accepted natively.
   */
  onUpgrade?(req: HttpRequest<T>, upgrade: WebSocketUpgrade<T>): void | Promise<void>;
  /** The WebSocket is open (after the 101 response). */
  onOpen?(ws: ServerWebSocket<T>): void;
  /**
   * One whole message (fragments are joined natively; text was validated as
   * UTF-8). `data` is a view into a batch buffer, valid during the call only:
   * Buffer.from(data) to keep it. Text: data.toString().
   */
  onMessage?(ws: ServerWebSocket<T>, data: Buffer, isBinary: boolean): void;
  /** The outbound queue emptied after send() returned BACKPRESSURE (or a send was DROPPED). */
  onDrain?(ws: ServerWebSocket<T>): void;
  /**
   * The WebSocket is closed. `code`/`reason`: the peer's close frame, or the
   * one ringnet or ws.end() sent; 1006 when the TCP connection ended without a
   * close handshake (reset, destroy, backpressure). `error` explains closes
   * that were not clean (WebSocketProtocolError, timeouts, backpressure).
   */
  onClose?(ws: ServerWebSocket<T>, code: number, reason: string, error?: Error): void;
  /** A ping arrived (it was already answered with a pong). Only with this handler are pings delivered. */
  onPing?(ws: ServerWebSocket<T>, data: Buffer): void;
  /** A pong arrived. */
  onPong?(ws: ServerWebSocket<T>, data: Buffer): void;
  /** A handler threw (that WebSocket is closed), or a server-level error. */
  onError?(err: Error, ws?: ServerWebSocket<T>): void;
}
