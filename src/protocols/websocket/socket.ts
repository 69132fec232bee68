/**
 * One open WebSocket: a view of its connection that speaks messages. Sends
 * are framed natively (one unmasked frame each); the close handshake, pings
 * and pongs run natively (native/core/websocket/ws_protocol.h).
 */
import type { Connection } from '../../connection';
import { CMD_PROTOCOL } from '../../wire';
import { WebSocketUsageError } from './errors';
import { WS_CMD_END } from './upgrade';

/** What ws.send() did with a message (the values uWebSockets.js uses). */
export const SendStatus = {
  /** Queued beyond maxBackpressure: it will go out, but wait for onDrain before sending more. */
  BACKPRESSURE: 0,
  /** Handed to the kernel or queued under maxBackpressure. */
  SENT: 1,
  /** Not sent: the queue was already above maxBackpressure, or the WebSocket is closing/closed. */
  DROPPED: 2,
} as const;
export type SendStatus = (typeof SendStatus)[keyof typeof SendStatus];

/** Opcodes (RFC 6455 5.2), the meta byte of a send command. */
export const OP_TEXT = 1;
export const OP_BINARY = 2;
export const OP_CLOSE = 8;
export const OP_PING = 9;

/** The meta byte in front of a send's payload (native ws::kMetaCompressed-free). */
export const META = [Buffer.from([0]), Buffer.from([OP_TEXT]), Buffer.from([OP_BINARY])];
const META_PING = Buffer.from([OP_PING]);
const EMPTY = Buffer.alloc(0);

export interface SocketLimits {
  readonly maxBackpressure: number;
  readonly closeOnBackpressureLimit: boolean;
}

/** A close code an endpoint may send (RFC 6455 7.4): 1000-1003, 1007-1014, 3000-4999. */
export function isSendableCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006;
}

/**
 * Where a socket finds its server's limits: the connection's protocol (the
 * WebSocket protocol), so that no WebSocket carries a field for them.
 */
export interface SocketLimitsSource {
  readonly socketLimits: SocketLimits;
}

/** The close frames of a closing WebSocket (allocated only once one is sent or received). */
export class CloseFrames {
  /** the close frame we sent */ sentCode = 1005;
  sentReason = '';
  /** the peer's close frame */ peerCode = 1005;
  peerReason = '';
}

// Kept small (idle memory: 10,000 open WebSockets): five fields. `data` is the
// connection's, the limits are the protocol's, close details come lazily.
export class ServerWebSocket<T = unknown> {
  /** The subprotocol chosen in onUpgrade ('' if none). */
  readonly protocol: string;
  /** The request target of the upgrade ('/ws?room=1'). */
  readonly url: string;
  /** The TCP connection (addresses, socket options, tcpInfo). */
  readonly connection: Connection<T>;

  /** @internal 'open' until end()/close(), then 'closing', then 'closed' */ _state: 'open' | 'closing' | 'closed' = 'open';
  /** @internal the close frames, once there is one */ _close: CloseFrames | undefined = undefined;

  /** @internal */
  constructor(conn: Connection<T>, data: T, protocol: string, url: string) {
    this.connection = conn;
    conn.data = data;
    this.protocol = protocol;
    this.url = url;
  }

  /** Your data (from upgrade.accept(data), or set it in onOpen); the same as ws.connection.data. */
  get data(): T { return this.connection.data; }
  set data(value: T) { this.connection.data = value; }

  /** @internal the close frames, created on first use */
  _closeFrames(): CloseFrames {
    return (this._close ??= new CloseFrames());
  }

  /** 'open', 'closing' (end() called or the close handshake under way) or 'closed'. */
  get readyState(): 'open' | 'closing' | 'closed' {
    return this._state;
  }

  get remoteAddress(): string { return this.connection.remoteAddress; }
  get remotePort(): number { return this.connection.remotePort; }

  /** Bytes queued for this WebSocket that the kernel has not taken yet. */
  get bufferedAmount(): number {
    return this.connection.bufferedAmount;
  }

  /**
   * Sends one message: text for a string (unless isBinary), binary for bytes
   * (unless isBinary === false). Returns SendStatus: SENT, BACKPRESSURE (queued,
   * now above maxBackpressure: wait for onDrain) or DROPPED (not sent: already
   * above maxBackpressure — or, with closeOnBackpressureLimit, the connection
   * is closed — or the WebSocket is closing). The payload is copied at once.
   */
  send(data: Uint8Array | string, isBinary?: boolean): SendStatus {
    const c = this.connection;
    if (this._state !== 'open' || c.closed) return SendStatus.DROPPED;
    let bytes: Uint8Array;
    let binary: boolean;
    if (typeof data === 'string') {
      bytes = Buffer.from(data);
      binary = isBinary === true;
    } else {
      bytes = data;
      binary = isBinary !== false;
    }
    if (bytes.length > 2 ** 30) throw new WebSocketUsageError(`message of ${bytes.length} bytes exceeds 1 GiB`);
    const limits = (c._protocol as unknown as SocketLimitsSource).socketLimits;
    if (c.bufferedAmount > limits.maxBackpressure) {
      if (limits.closeOnBackpressureLimit) c._overflow();
      else c._wantDrain();
      return SendStatus.DROPPED;
    }
    c._sendFrame(bytes, bytes.length + headerLength(bytes.length), META[binary ? OP_BINARY : OP_TEXT] as Buffer);
    if (c.bufferedAmount > limits.maxBackpressure) {
      c._wantDrain();
      return SendStatus.BACKPRESSURE;
    }
    return SendStatus.SENT;
  }

  /** Sends a ping (at most 125 bytes); the client's pong reaches onPong. */
  ping(data?: Uint8Array | string): boolean {
    if (this._state !== 'open' || this.connection.closed) return false;
    const bytes = data === undefined ? EMPTY : typeof data === 'string' ? Buffer.from(data) : data;
    if (bytes.length > 125) throw new WebSocketUsageError(`ping payload of ${bytes.length} bytes exceeds 125`);
    this.connection._sendFrame(bytes, bytes.length + 2, META_PING);
    return true;
  }

  /**
   * Starts the close handshake: a close frame with `code` (default 1000) and
   * `reason` (at most 123 bytes of UTF-8), then nothing more is sent; the
   * connection closes when the client answers, or is reset after closeTimeout.
   */
  end(code = 1000, reason = ''): void {
    if (this._state !== 'open' || this.connection.closed) return;
    if (!isSendableCloseCode(code)) throw new WebSocketUsageError(`close code ${String(code)} may not be sent (1000-1003, 1007-1014, 3000-4999)`);
    const text = Buffer.from(reason);
    if (text.length > 123) throw new WebSocketUsageError(`close reason of ${text.length} bytes exceeds 123`);
    this._state = 'closing';
    const frames = this._closeFrames();
    frames.sentCode = code;
    frames.sentReason = reason;
    const body = Buffer.alloc(4 + 2 + text.length);
    body.writeInt32LE(WS_CMD_END, 0);
    body.writeUInt16BE(code, 4);
    text.copy(body, 6);
    this.connection.command(CMD_PROTOCOL, body);
  }

  /** Aborts: the TCP connection is reset at once, without a close handshake (onClose: 1006). */
  close(): void {
    if (this._state === 'closed') return;
    this._state = 'closing';
    this.connection.destroy();
  }

  /** Same as close(). */
  destroy(): void {
    this.close();
  }

  /** Stops reading messages (TCP pushes back on the client) until resume(). */
  pause(): void { this.connection.pause(); }
  resume(): void { this.connection.resume(); }

  /** Joins a room: server.broadcast(room, message) reaches it (encoded once for all members). */
  join(room: string): void { this.connection.join(room); }
  leave(room: string): void { this.connection.leave(room); }
  get rooms(): string[] { return this.connection.rooms; }
}

/** Bytes of a server frame header for a payload of n bytes. */
export function headerLength(n: number): number {
  return n < 126 ? 2 : n <= 0xffff ? 4 : 10;
}
