/**
 * HTTP's protocol on the JS side: turns the request records of a batch into
 * onRequest(req, res) calls and keeps each connection's responses in request
 * order (state.ts). Bounded: past maxPipelined unanswered requests the
 * connection is paused (TCP pushes back on the client).
 */
import type { Connection } from '../../connection';
import { InvalidOptionError } from '../../errors';
import type { ConnectionHandlers } from '../../handlers';
import type { Protocol, SendPayload } from '../../protocol';
import type { CloseReason } from '../../wire';
import { bytePayload } from '../bytes';
import type { OutputLimits, ProtocolContext, ProtocolHost } from '../module';
import { HttpParseError } from './errors';
import type { HttpHandlers } from './handlers';
import type { NormalizedHttpFraming } from './options';
import { HttpRequest } from '../http_request';
import { HttpResponse } from './response';
import { HttpConnectionState } from './state';

export type HttpServerHandlers<T> = ConnectionHandlers<T> & HttpHandlers<T>;
type RequestHandler<T> = NonNullable<HttpHandlers<T>['onRequest']>;

export class HttpExchange<T> implements Protocol<Connection<T>> {
  private readonly onRequest: RequestHandler<T>;
  private readonly handlers: HttpServerHandlers<T>;
  private readonly host: ProtocolHost<T>;
  private readonly framing: NormalizedHttpFraming;
  private readonly limits: OutputLimits & { readonly maxPipelined: number };

  constructor(ctx: ProtocolContext<T, NormalizedHttpFraming, HttpServerHandlers<T>>) {
    if (typeof ctx.handlers.onRequest !== 'function') {
      throw new InvalidOptionError('handlers.onRequest', "framing 'http' needs an onRequest(req, res) handler");
    }
    this.onRequest = ctx.handlers.onRequest;
    this.handlers = ctx.handlers;
    this.host = ctx.host;
    this.framing = ctx.framing;
    this.limits = {
      maxPipelined: ctx.framing.maxPipelined,
      highWaterMark: ctx.limits.highWaterMark,
      maxOutbound: ctx.limits.maxOutbound,
    };
  }

  /** One request record (a view of the batch buffer unless `owned`). */
  frame(c: Connection<T>, record: Buffer, owned: boolean): void {
    try {
      this.request(c, record, owned);
    } catch (err) {
      this.host.handlerFailed(err, c);
    }
  }

  /** The connection's queue emptied after a write returned false. */
  drain(c: Connection<T>): void {
    const st = c._proto as HttpConnectionState<T> | undefined;
    st?.queue[0]?._emit('drain');
  }

  /** Unfinished responses learn the connection is gone; a refused request becomes an HttpParseError. */
  closed(c: Connection<T>, reason: CloseReason, status: number, error: Error | undefined): Error | undefined {
    const st = c._proto as HttpConnectionState<T> | undefined;
    if (st !== undefined) {
      const q = st.queue;
      st.queue = [];
      for (const res of q) res._markClosed();
    }
    if ((reason !== 'bad-frame' && reason !== 'frame-too-large') || status < 400) return error;
    const parseError = new HttpParseError(status, `connection ${c.id}: request refused with ${status}`);
    const h = this.handlers.onClientError;
    if (h !== undefined) {
      try {
        h.call(this.handlers, parseError, c);
      } catch (err) {
        this.host.handlerFailed(err, undefined);
      }
    }
    return parseError;
  }

  /** conn.send() on an HTTP connection writes bytes as they are. */
  send(conn: Connection<T>, payload: SendPayload): boolean {
    const bytes = bytePayload(this.framing, payload, 0);
    return conn._sendFrame(bytes, bytes.length);
  }

  broadcastPayload(payload: SendPayload): Uint8Array {
    return bytePayload(this.framing, payload, 0);
  }

  private request(c: Connection<T>, record: Buffer, owned: boolean): void {
    let st = c._proto as HttpConnectionState<T> | undefined;
    if (st === undefined) c._proto = st = new HttpConnectionState<T>(c, this.host, this.limits);
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
      ret = this.onRequest.call(this.handlers, req, res);
    } catch (err) {
      this.fail(res, err);
      return;
    }
    if (ret !== undefined && typeof (ret as Promise<void>).then === 'function') {
      (ret as Promise<void>).then(undefined, (err: unknown) => this.fail(res, err));
    }
    if (!res.writableEnded) req._detach();
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
    this.host.handlerFailed(err, c);
  }
}
