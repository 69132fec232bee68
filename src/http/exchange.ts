/**
 * Turns the HTTP request records of a batch into onRequest(req, res) calls,
 * and keeps each connection's responses in request order: the first
 * unfinished response writes straight through; later ones hold their bytes
 * until it ends. Bounded: past maxPipelined unanswered requests the
 * connection is paused (TCP pushes back on the client), and held bytes count
 * against highWaterMark / maxOutbound like any other output.
 */
import type { Connection } from '../connection';
import type { Server } from '../server';
import { HttpRequest } from './request';
import { HttpResponse } from './response';

export type RequestHandler<T> = (req: HttpRequest<T>, res: HttpResponse<T>) => void | Promise<void>;

export interface ExchangeLimits {
  maxPipelined: number;
  highWaterMark: number;
  maxOutbound: number;
}

export class HttpExchange<T> {
  constructor(
    private readonly server: Server<T>,
    private readonly onRequest: RequestHandler<T>,
    private readonly handlersThis: unknown,
    readonly limits: ExchangeLimits,
  ) {}

  /** server.close() was called: responses say Connection: close. */
  get serverClosing(): boolean {
    return this.server._closing;
  }

  /** One request record (a view of the batch buffer unless `owned`). Throws what the handler throws. */
  request(c: Connection<T>, record: Buffer, owned: boolean): void {
    let st = c._proto as HttpConnectionState<T> | undefined;
    if (st === undefined) c._proto = st = new HttpConnectionState<T>(this, c);
    if (st.closing) return; // a response closes the connection: later requests are not served
    const req = new HttpRequest<T>(record, owned, c);
    const res = new HttpResponse<T>(st, req);
    st.queue.push(res);
    if (st.queue.length >= this.limits.maxPipelined && !c.paused) {
      c.pause();
      st.pausedByUs = true;
    }
    let ret: void | Promise<void>;
    try {
      ret = this.onRequest.call(this.handlersThis, req, res);
    } catch (err) {
      this.fail(res, err);
      return;
    }
    if (ret !== undefined && typeof (ret as Promise<void>).then === 'function') {
      (ret as Promise<void>).then(undefined, (err: unknown) => this.fail(res, err));
    }
    if (!res.writableEnded) req._detach();
  }

  /** The connection's queue emptied after a write returned false. */
  drain(c: Connection<T>): void {
    const st = c._proto as HttpConnectionState<T> | undefined;
    st?.queue[0]?._emit('drain');
  }

  closed(c: Connection<T>): void {
    const st = c._proto as HttpConnectionState<T> | undefined;
    if (st === undefined) return;
    const q = st.queue;
    st.queue = [];
    for (const res of q) res._markClosed();
  }

  /** Runs a response listener; what it throws is reported like a handler error. */
  call(fn: () => void, c: Connection<T>): void {
    try {
      fn();
    } catch (err) {
      this.server._handlerError(err, c);
    }
  }

  /** A handler threw or its promise rejected: 500 if nothing was sent yet, then the usual handler-error path. */
  private fail(res: HttpResponse<T>, err: unknown): void {
    const c = res.req.connection;
    if (!res.headersSent && !res.destroyed) {
      try {
        res._headers = undefined;
        res.statusMessage = undefined;
        res.status(500).setHeader('Connection', 'close');
        res.end();
      } catch {
        // nothing more can be said on this connection
      }
    }
    this.server._handlerError(err, c);
  }
}

/** @internal per-connection HTTP state (Connection._proto). */
export class HttpConnectionState<T> {
  /** Responses in request order; [0] writes straight through. */
  queue: Array<HttpResponse<T>> = [];
  /** A response closes the connection: nothing after it is served. */
  closing = false;
  pausedByUs = false;
  /** Bytes held by responses waiting for their turn. */
  heldBytes = 0;

  constructor(readonly exchange: HttpExchange<T>, readonly conn: Connection<T>) {}

  isFirst(res: HttpResponse<T>): boolean {
    return this.queue[0] === res;
  }

  submit(op: number, pre: string, body: Uint8Array | string | undefined, bodyBytes: number, post: string): boolean {
    return this.conn._respond(op, pre, body, bodyBytes, post);
  }

  /**
   * A held part of `bytes` was added: false above highWaterMark (per
   * response); when everything held on the connection plus its queued output
   * exceeds maxOutbound, the connection is reset ('backpressure').
   */
  holdAccepted(res: HttpResponse<T>, bytes: number): boolean {
    const { highWaterMark, maxOutbound } = this.exchange.limits;
    this.heldBytes += bytes;
    if (this.heldBytes + this.conn.bufferedAmount > maxOutbound) {
      this.conn._overflow();
      return false;
    }
    if (res._heldBytes > highWaterMark) {
      res._needDrain = true;
      return false;
    }
    return true;
  }

  /** A response ended: while the first in line is done, move on to the next. */
  ended(res: HttpResponse<T>): void {
    if (this.queue[0] !== res) return; // held; released when its turn comes
    while (this.queue.length > 0 && (this.queue[0] as HttpResponse<T>).writableEnded) {
      const done = this.queue.shift() as HttpResponse<T>;
      done._emit('finish');
      const next = this.queue[0];
      if (next === undefined) break;
      this.heldBytes -= next._heldBytes;
      const below = next._release();
      if (below && next._needDrain) {
        next._needDrain = false;
        queueMicrotask(() => next._emit('drain'));
      }
    }
    if (this.pausedByUs && this.queue.length < this.exchange.limits.maxPipelined) {
      this.pausedByUs = false;
      this.conn.resume();
    }
    // An idle keep-alive connection keeps no HTTP state (memory per idle connection).
    if (this.queue.length === 0 && !this.closing && this.conn._proto === this) this.conn._proto = undefined;
  }
}
