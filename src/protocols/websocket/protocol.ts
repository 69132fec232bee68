/**
 * WebSocket's protocol on the JS side. The native layer accepts (or hands
 * over) the upgrade, assembles messages and runs pings and the close
 * handshake; what arrives here is, per frame, its kind (the batch record's
 * aux): an upgrade request, a whole message (text or binary), the peer's
 * close frame, a ping or pong — or, on an HTTP server, a plain request, which
 * goes to the HTTP exchange.
 */
import type { Connection } from '../../connection';
import { InvalidOptionError } from '../../errors';
import type { Protocol, SendPayload } from '../../protocol';
import type { CloseReason } from '../../wire';
import type { ProtocolContext, ProtocolHost } from '../module';
import { HttpRequest } from '../http_request';
import { recordTarget } from '../http_record';
import { WebSocketCloseTimeoutError, WebSocketProtocolError, WebSocketUsageError } from './errors';
import type { WebSocketHandlers } from './handlers';
import type { NormalizedWebSocketFraming } from './options';
import { META, OP_BINARY, OP_TEXT, ServerWebSocket, SendStatus, type SocketLimits, type SocketLimitsSource } from './socket';
import { WebSocketUpgrade } from './upgrade';

/** native FrameBytes::kind values (native/core/websocket/ws_protocol.h). */
const KIND_REQUEST = 0;
const KIND_TEXT = 1;
const KIND_BINARY = 2;
const KIND_CLOSE = 8;
const KIND_PING = 9;
const KIND_PONG = 10;
const KIND_UPGRADE = 16;

const ERROR_NAMES: Record<number, string> = {
  1002: 'protocol error',
  1003: 'unsupported data',
  1007: 'invalid UTF-8',
  1009: 'message too big',
};

export class WebSocketProtocol<T> implements Protocol<Connection<T>>, SocketLimitsSource {
  private readonly h: WebSocketHandlers<T>;
  private readonly host: ProtocolHost<T>;
  /** What every ServerWebSocket of this server reads (ws.send). */
  readonly socketLimits: SocketLimits;
  /** framing 'http' + websocket: requests that are not upgrades. */
  private readonly http: Protocol<Connection<T>> | undefined;

  constructor(ctx: ProtocolContext<T, NormalizedWebSocketFraming, unknown>, handlers: WebSocketHandlers<T>,
              http: Protocol<Connection<T>> | undefined) {
    this.h = handlers;
    this.host = ctx.host;
    this.http = http;
    const f = ctx.framing;
    for (const name of ['onUpgrade', 'onOpen', 'onMessage', 'onDrain', 'onClose', 'onPing', 'onPong', 'onError'] as const) {
      const fn = handlers[name];
      if (fn !== undefined && typeof fn !== 'function') throw new InvalidOptionError(`handlers.${name}`, 'must be a function');
    }
    if (f.maxBackpressure < 0) f.maxBackpressure = Math.min(1024 * 1024, ctx.limits.maxOutbound);
    if (f.maxBackpressure > ctx.limits.maxOutbound) {
      throw new InvalidOptionError('framing.maxBackpressure', `must not exceed maxOutbound (${ctx.limits.maxOutbound})`);
    }
    f.jsUpgrade = handlers.onUpgrade !== undefined;
    f.deliverPings = handlers.onPing !== undefined || handlers.onPong !== undefined;
    this.socketLimits = { maxBackpressure: f.maxBackpressure, closeOnBackpressureLimit: f.closeOnBackpressureLimit };
  }

  open(conn: Connection<T>): void {
    this.http?.open?.(conn);
  }

  frame(conn: Connection<T>, frame: Buffer, owned: boolean, kind = 0): void {
    const p = conn._proto;
    if (kind === KIND_TEXT || kind === KIND_BINARY) {
      // The hot path: no closure per message.
      const onMessage = this.h.onMessage;
      if (onMessage === undefined) return;
      try {
        onMessage.call(this.h, p as ServerWebSocket<T>, frame, kind === KIND_BINARY);
      } catch (err) {
        this.host.handlerFailed(err, conn);
      }
      return;
    }
    switch (kind) {
      case KIND_UPGRADE:
        this.upgrade(conn, frame, owned);
        return;
      case KIND_REQUEST:
        this.http?.frame(conn, frame, owned);
        return;
      case KIND_CLOSE: {
        const ws = p as ServerWebSocket<T>;
        ws._state = 'closing';
        if (frame.length >= 2) {
          const frames = ws._closeFrames();
          frames.peerCode = frame.readUInt16BE(0);
          frames.peerReason = frame.toString('utf8', 2);
        }
        return;
      }
      case KIND_PING:
      case KIND_PONG: {
        const ws = p as ServerWebSocket<T>;
        const fn = kind === KIND_PING ? this.h.onPing : this.h.onPong;
        if (fn !== undefined) this.call(() => fn.call(this.h, ws, frame), ws);
        return;
      }
      default:
        return;
    }
  }

  drain(conn: Connection<T>): void {
    const p = conn._proto;
    if (p instanceof ServerWebSocket) {
      if (this.h.onDrain !== undefined) this.call(() => this.h.onDrain?.(p), p);
      return;
    }
    this.http?.drain?.(conn);
  }

  closed(conn: Connection<T>, reason: CloseReason, detail: number, error: Error | undefined): Error | undefined {
    const p = conn._proto;
    if (p instanceof WebSocketUpgrade) {
      p._gone = true;
      return error;
    }
    if (!(p instanceof ServerWebSocket)) return this.http?.closed?.(conn, reason, detail, error) ?? error;
    const ws = p as ServerWebSocket<T>;
    ws._state = 'closed';
    let code = 1006;
    let text = '';
    switch (reason) {
      case 'ws-closed':
        code = ws._close?.peerCode ?? 1005;
        text = ws._close?.peerReason ?? '';
        break;
      case 'ws-ended':
        code = ws._close?.sentCode ?? 1005;
        text = ws._close?.sentReason ?? '';
        break;
      case 'ws-protocol-error':
        code = detail;
        error = new WebSocketProtocolError(detail, `websocket ${conn.id}: ${ERROR_NAMES[detail] ?? 'protocol error'} (closed with ${detail})`);
        break;
      case 'ws-close-timeout':
        error = new WebSocketCloseTimeoutError(`websocket ${conn.id}: no close frame within closeTimeout after end(${ws._close?.sentCode ?? 1005})`);
        break;
      case 'idle-timeout':
      case 'max-lifetime':
      case 'server-close':
        code = 1001;
        break;
      default:
        break;
    }
    if (this.h.onClose !== undefined) {
      try {
        this.h.onClose.call(this.h, ws, code, text, error);
      } catch (err) {
        this.host.handlerFailed(err, undefined);
      }
    }
    return error;
  }

  /** conn.send() on a WebSocket: ws.send(); on an HTTP connection, the bytes as they are. */
  send(conn: Connection<T>, payload: SendPayload): boolean {
    const p = conn._proto;
    if (p instanceof ServerWebSocket) return p.send(payload as Uint8Array | string) !== SendStatus.DROPPED;
    if (typeof payload !== 'string' && !(payload instanceof Uint8Array)) throw new TypeError('send a Buffer, Uint8Array or string');
    return conn.write(payload);
  }

  /** server.broadcast(room, message): text for a string, binary for bytes; framed once natively. */
  broadcastPayload(payload: SendPayload): Uint8Array {
    if (typeof payload === 'string') return Buffer.concat([META[OP_TEXT] as Buffer, Buffer.from(payload)]);
    if (!(payload instanceof Uint8Array)) throw new TypeError('broadcast a Buffer, Uint8Array or string');
    if (payload.length > 2 ** 30) throw new WebSocketUsageError(`message of ${payload.length} bytes exceeds 1 GiB`);
    return Buffer.concat([META[OP_BINARY] as Buffer, payload]);
  }

  private upgrade(conn: Connection<T>, record: Buffer, owned: boolean): void {
    const onUpgrade = this.h.onUpgrade;
    if (onUpgrade === undefined) {
      // Accepted natively already: the 101 is on its way. Only the target is
      // read (no HttpRequest: less garbage per upgrade, idle memory).
      this.open_(conn, undefined as T, '', recordTarget(record));
      return;
    }
    // The decision may come later: the request keeps its own copy.
    const req = new HttpRequest<T>(owned ? record : Buffer.from(record), true, conn);
    const url = req.url;
    const upgrade = new WebSocketUpgrade<T>(conn, req, (data, protocol) => this.open_(conn, data, protocol, url));
    conn._proto = upgrade;
    const refuse = (err: unknown): void => {
      if (!upgrade.decided) upgrade.reject(500);
      this.reportError(err, undefined);
    };
    try {
      const r = onUpgrade.call(this.h, req, upgrade);
      if (r !== undefined && typeof (r as Promise<void>).then === 'function') (r as Promise<void>).then(undefined, refuse);
    } catch (err) {
      refuse(err);
    }
  }

  private open_(conn: Connection<T>, data: T, protocol: string, url: string): void {
    const ws = new ServerWebSocket<T>(conn, data, protocol, url);
    conn._proto = ws;
    const onOpen = this.h.onOpen;
    if (onOpen === undefined) return;
    // Called directly (no closure per open: garbage at 101 time is idle memory).
    try {
      onOpen.call(this.h, ws);
    } catch (err) {
      this.host.handlerFailed(err, conn);
    }
  }

  private call(fn: () => void, ws: ServerWebSocket<T>): void {
    try {
      fn();
    } catch (err) {
      this.host.handlerFailed(err, ws.connection);
    }
  }

  private reportError(err: unknown, ws: ServerWebSocket<T> | undefined): void {
    this.host.handlerFailed(err, ws?.connection);
  }
}
