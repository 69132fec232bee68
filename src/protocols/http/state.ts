/**
 * One connection's HTTP state (conn._proto while it has unanswered
 * requests): responses in request order. The first unfinished response writes
 * straight through; later ones hold their bytes until it ends. Held bytes
 * count against highWaterMark / maxOutbound like any other output.
 */
import type { Connection } from '../../connection';
import type { OutputLimits, ProtocolHost } from '../module';
import type { HttpResponse, ResponseLine } from './response';

export class HttpConnectionState<T> implements ResponseLine<T> {
  /** Responses in request order; [0] writes straight through. */
  queue: Array<HttpResponse<T>> = [];
  /** A response closes the connection: nothing after it is served. */
  closing = false;
  pausedByUs = false;
  /** Bytes held by responses waiting for their turn. */
  heldBytes = 0;

  constructor(
    readonly conn: Connection<T>,
    private readonly host: ProtocolHost<T>,
    private readonly limits: OutputLimits & { readonly maxPipelined: number },
  ) {}

  get serverClosing(): boolean {
    return this.host.closing;
  }

  isFirst(res: HttpResponse<T>): boolean {
    return this.queue[0] === res;
  }

  submit(op: number, pre: string, body: Uint8Array | string | undefined, bodyBytes: number, post: string): boolean {
    return this.conn._sendOwed(op, pre, body, bodyBytes, post);
  }

  call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.host.handlerFailed(err, this.conn);
    }
  }

  /**
   * A held part of `bytes` was added: false above highWaterMark (per
   * response); when everything held on the connection plus its queued output
   * exceeds maxOutbound, the connection is reset ('backpressure').
   */
  holdAccepted(res: HttpResponse<T>, bytes: number): boolean {
    const { highWaterMark, maxOutbound } = this.limits;
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
    if (this.pausedByUs && this.queue.length < this.limits.maxPipelined) {
      this.pausedByUs = false;
      this.conn.resume();
    }
    // An idle keep-alive connection keeps no HTTP state (memory per idle connection).
    if (this.queue.length === 0 && !this.closing && this.conn._proto === this) this.conn._proto = undefined;
  }
}
