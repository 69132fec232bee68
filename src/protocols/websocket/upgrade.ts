/** The decision onUpgrade makes about one upgrade request. */
import type { Connection } from '../../connection';
import { CMD_PROTOCOL } from '../../wire';
import { WebSocketUsageError } from './errors';
import type { HttpRequest } from '../http_request';

/** native WebSocketCommand (native/core/websocket/ws_protocol.h). */
export const WS_CMD_ACCEPT = 16;
export const WS_CMD_REJECT = 17;
export const WS_CMD_END = 18;

/** Subprotocols offered in Sec-WebSocket-Protocol, in order. */
export function offeredProtocols(req: HttpRequest<unknown>): string[] {
  const v = req.headers['sec-websocket-protocol'];
  const joined = Array.isArray(v) ? v.join(',') : v ?? '';
  return joined.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

export class WebSocketUpgrade<T = unknown> {
  /** The subprotocols the client offered (Sec-WebSocket-Protocol), in its order of preference. */
  readonly protocols: readonly string[];
  /** @internal */ _decided = false;
  /** @internal the connection closed before a decision */ _gone = false;
  private readonly conn: Connection<T>;
  private readonly key: string;
  private readonly opened: (data: T, protocol: string) => void;

  /** @internal */
  constructor(conn: Connection<T>, req: HttpRequest<T>, opened: (data: T, protocol: string) => void) {
    this.conn = conn;
    this.protocols = offeredProtocols(req as HttpRequest<unknown>);
    this.key = String(req.headers['sec-websocket-key'] ?? '');
    this.opened = opened;
  }

  /** True once accept() or reject() was called, or the client went away. */
  get decided(): boolean {
    return this._decided || this._gone;
  }

  /**
   * Accepts: the 101 response goes out (with `protocol`, which must be one the
   * client offered), onOpen(ws) runs with ws.data = data.
   */
  accept(data: T, protocol?: string): void {
    if (this.decided) return;
    const p = protocol ?? '';
    if (p !== '' && !this.protocols.includes(p)) {
      throw new WebSocketUsageError(`subprotocol '${p}' was not offered (offered: ${this.protocols.join(', ') || 'none'})`);
    }
    this._decided = true;
    this.conn._commandParts(CMD_PROTOCOL, head(WS_CMD_ACCEPT), Buffer.from(this.key + p, 'latin1'));
    this.opened(data, p);
  }

  /** Refuses with an HTTP status (default 403); the connection closes after the answer. */
  reject(status = 403): void {
    if (this.decided) return;
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new WebSocketUsageError(`reject(status): a 4xx or 5xx status, got ${String(status)}`);
    }
    this._decided = true;
    const b = Buffer.alloc(8);
    b.writeInt32LE(WS_CMD_REJECT, 0);
    b.writeInt32LE(status, 4);
    this.conn.command(CMD_PROTOCOL, b);
  }
}

function head(op: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(op, 0);
  return b;
}
