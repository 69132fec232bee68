/**
 * The server: creates the native workers on listen(), turns each batch of
 * native events into handler calls, and hands the commands those handlers
 * queued back to the workers in one call per worker.
 */
import * as dns from 'node:dns';
import * as net from 'node:net';
import { Connection } from './connection';
import { CommandLog } from './command_log';
import {
  AuthRejectedError, AuthRequiredError, BackendUnavailableError, BackpressureError, BadFrameError, FrameTooLargeError,
  HttpParseError, InvalidFrameError, InvalidOptionError, RingnetError, ServerStateError, SystemError, ConnectionTimeoutError,
  fromNative, type TimeoutKind,
} from './errors';
import { decodeGoimFrame, goimMeta, GOIM_META_BYTES, type GoimAuthResult, type GoimFrame, type GoimOutFrame } from './goim';
import { roomBytes } from './rooms';
import { HttpExchange } from './http/exchange';
import type { HttpRequest } from './http/request';
import type { HttpResponse } from './http/response';
import { native, type NativeServer, type NativeWorkerStats } from './native';
import { normalizeOptions, type Backend, type NormalizedFraming, type NormalizedOptions, type ServerOptions } from './options';
import {
  CLOSE_REASONS, EVENT_INTS, EV_CLOSE, EV_DRAIN, EV_END, EV_FRAME, EV_FRAME_BIG, EV_OPEN, EV_SERVER_ERROR,
  EV_WORKER_DONE, SERVER_ERR_ACCEPT, type CloseReason,
} from './wire';

export interface Handlers<T = unknown, F = Buffer> {
  /** A connection was accepted. Set conn.data here. */
  onOpen?(conn: Connection<T>): void;
  /**
   * One decoded frame (header stripped as the framing says). The Buffer is a
   * view into a batch buffer that is reused once the handler returns: keep it
   * with Buffer.from(frame) (or copyFrame) if you need it later.
   */
  onFrame?(conn: Connection<T>, frame: F): void;
  /**
   * goim framing only: turns the auth gate on. The client's auth packet (op 7)
   * arrives here and no other packet reaches onFrame until it is accepted
   * (native code enforces it: another op first closes with 'auth-required').
   * Return (or resolve) true to accept (the server replies op 8 with the same
   * seq), { body } to accept with a reply body, false to reject (closed with
   * 'auth-rejected'). Unanswered within framing.authTimeout: 'auth-timeout'.
   */
  onAuth?(conn: Connection<T>, frame: GoimFrame): GoimAuthResult | Promise<GoimAuthResult>;
  /** The outbound queue emptied after send()/write() returned false. */
  onDrain?(conn: Connection<T>): void;
  /** The peer sent FIN. Unless allowHalfOpen, the server ends its side after this returns. */
  onEnd?(conn: Connection<T>): void;
  /** The connection is gone; `error` is set for error reasons. */
  onClose?(conn: Connection<T>, reason: CloseReason, error?: Error): void;
  /** A handler threw (that connection is closed), or a server-level error (accept failures). */
  onError?(err: Error, conn?: Connection<T>): void;
  /**
   * framing 'http': one request. Answer with res.end() (or write()...end()),
   * now or later; an async handler's rejection answers 500 and is reported to
   * onError. Pipelined responses leave in request order.
   */
  onRequest?(req: HttpRequest<T>, res: HttpResponse<T>): void | Promise<void>;
  /**
   * framing 'http': a client sent a request ringnet refused (it was answered
   * with err.status and closed). Not reported to onError: it is the client's fault.
   */
  onClientError?(err: HttpParseError, conn: Connection<T>): void;
}

export interface ListenOptions {
  port?: number;
  /** Host name or address. Default: all interfaces ('::' with IPv4 mapped). */
  host?: string;
  /** Unix domain socket path; a leading '\0' makes it an abstract name. */
  path?: string;
}

export interface AddressInfo {
  address: string;
  family: string;
  port: number;
}

export interface CloseOptions {
  /** After this many ms, connections still open are reset (RST). Default 5000. */
  timeout?: number;
}

export interface WorkerStatsView extends NativeWorkerStats {
  worker: number;
}

export interface ServerStats {
  connections: number;
  bytesIn: number;
  bytesOut: number;
  framesIn: number;
  framesOut: number;
  workers: WorkerStatsView[];
}

/** @internal state of one native worker as seen from JS. */
export interface WorkerState<T> {
  index: number;
  server: Server<T>;
  arenas: Array<{ data: Buffer; memory: ArrayBuffer; records: Int32Array }>;
  written: Float64Array;
  conns: Array<Connection<T> | undefined>;
  log: CommandLog;
}

type State = 'idle' | 'listening' | 'closing' | 'closed';

/**
 * A Buffer view over a batch arena. Constructing a Uint8Array subclass whose
 * prototype chain includes Buffer.prototype is what Node's own FastBuffer
 * does; it costs about half of buf.subarray() per frame. Instances are real
 * Buffers (Buffer.isBuffer, instanceof, every method).
 */
class FrameView extends Uint8Array {}
Object.setPrototypeOf(FrameView.prototype, Buffer.prototype);

/** Copies a frame out of the batch buffer so it can be kept after the handler returns. */
export function copyFrame(frame: Uint8Array): Buffer {
  return Buffer.from(frame);
}

/** The backend to run, and for 'auto' that settled on epoll, why io_uring did not. */
function resolveBackend(requested: Backend): { backend: 'epoll' | 'io_uring'; fallback?: string } {
  if (requested === 'epoll') return { backend: 'epoll' };
  const ok = native.backendAvailable(1);
  if (ok === true) return { backend: 'io_uring' };
  if (requested === 'auto') return { backend: 'epoll', fallback: `io_uring backend unavailable: ${ok}` };
  throw new BackendUnavailableError(`io_uring backend unavailable: ${ok}`);
}

export class Server<T = unknown> {
  /** The backend that runs: 'epoll' or 'io_uring'. */
  readonly backend: 'epoll' | 'io_uring';
  /**
   * With `backend: 'auto'` on a system where io_uring cannot run (not built,
   * kernel.io_uring_disabled, seccomp, qemu-user, an old kernel): why, as
   * `BackendUnavailableError` would say it. Undefined otherwise.
   */
  readonly backendFallbackReason: string | undefined;
  /** @internal */ readonly _options: NormalizedOptions;
  /** @internal */ readonly _framing: NormalizedFraming;
  /** @internal */ _closing = false;

  private readonly handlers: Handlers<T, any>;
  private readonly goim: boolean;
  private readonly authGate: boolean;
  private nativeServer: NativeServer | undefined;
  private workers: WorkerState<T>[] = [];
  private state: State = 'idle';
  private bound: AddressInfo | undefined;
  private inBatch = false;
  private flushQueued = false;
  private workersDone = 0;
  private closeWaiters: Array<() => void> = [];
  private readonly flushAll = (): void => this.flush();
  /** framing 'http': requests and ordered responses. */
  private readonly http: HttpExchange<T> | undefined;

  constructor(options: ServerOptions | undefined, handlers: Handlers<T, any>) {
    this._options = normalizeOptions(options);
    this._framing = this._options.framing;
    if (typeof handlers !== 'object' || handlers === null) {
      throw new TypeError('createServer(options, handlers): handlers must be an object');
    }
    this.handlers = handlers;
    this.goim = this._framing.name === 'goim';
    this.authGate = handlers.onAuth !== undefined;
    if (this.authGate) {
      if (!this.goim) throw new InvalidOptionError('handlers.onAuth', "needs framing { type: 'goim' }");
      if (typeof handlers.onAuth !== 'function') throw new InvalidOptionError('handlers.onAuth', 'must be a function');
      this._framing.auth = true;
    }
    if (this._framing.name === 'http') {
      if (typeof handlers.onRequest !== 'function') {
        throw new InvalidOptionError('handlers.onRequest', "framing 'http' needs an onRequest(req, res) handler");
      }
      this.http = new HttpExchange<T>(this, handlers.onRequest, handlers, {
        maxPipelined: this._framing.maxPipelined as number,
        highWaterMark: this._options.highWaterMark,
        maxOutbound: this._options.maxOutbound,
      });
    }
    const resolved = resolveBackend(this._options.backendName);
    this.backend = resolved.backend;
    this.backendFallbackReason = resolved.fallback;
    this._options.backend = this.backend === 'io_uring' ? 1 : 0;
  }

  /** Binds and starts the workers. Resolves with the bound address (port 0 picks one). */
  async listen(options: ListenOptions = {}): Promise<AddressInfo> {
    if (this.state !== 'idle') throw new ServerStateError('ERR_SERVER_ALREADY_LISTEN', 'listen() was already called');
    const address = await resolveListenAddress(options);
    if (this.state !== 'idle') throw new ServerStateError('ERR_SERVER_ALREADY_LISTEN', 'listen() was already called');
    const ns = new native.NativeServer(this._options, (w, a, n, big) => this.onBatch(w, a, n, big));
    let result;
    try {
      result = ns.listen(address);
    } catch (err) {
      throw fromNative(err);
    }
    this.nativeServer = ns;
    this.workers = result.workers.map((w, index) => ({
      index,
      server: this,
      arenas: w.arenas.map((a) => ({ data: Buffer.from(a.data), memory: a.data, records: new Int32Array(a.records) })),
      written: new Float64Array(w.written),
      conns: [],
      log: new CommandLog(),
    }));
    this.state = 'listening';
    // Abstract names are reported the way they were given ('\0name'), as Node does.
    const shown = address.kind === 2 ? `\0${address.path ?? ''}` : result.address;
    this.bound = { address: shown, family: result.family, port: result.port };
    return this.bound;
  }

  /** The bound address, or undefined before listen() resolved. */
  address(): AddressInfo | undefined {
    return this.bound;
  }

  get listening(): boolean {
    return this.state === 'listening';
  }

  /**
   * Stops accepting, flushes every connection's queued output, sends FIN and
   * waits for the peers; after `timeout` ms the rest are reset. Resolves when
   * every connection is closed and the workers have stopped. HTTP: a
   * connection owing responses to requests already received stays open until
   * they are sent (with Connection: close), then closes.
   */
  close(options: CloseOptions = {}): Promise<void> {
    const timeout = options.timeout ?? 5000;
    if (!Number.isInteger(timeout) || timeout < 0) {
      return Promise.reject(new RingnetError('ERR_INVALID_OPTION', 'timeout must be a non-negative integer'));
    }
    if (this.state === 'closed') return Promise.resolve();
    if (this.state === 'idle') {
      return Promise.reject(new ServerStateError('ERR_SERVER_NOT_RUNNING', 'Server is not running'));
    }
    const done = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    if (this.state === 'listening') {
      this.flush(); // what handlers queued before close() goes out first
      this.state = 'closing';
      this._closing = true;
      this.nativeServer?.close(timeout);
    }
    return done;
  }

  /**
   * Sends one frame to every connection in `room`, on every worker: encoded
   * once, natively; each worker queues it to its members (a member closed or
   * gone is skipped; one over maxOutbound is closed with 'backpressure').
   * Joins and leaves made before this call count. Returns false when the
   * frame was not queued: the server is not listening, or a worker already
   * holds maxPendingBroadcasts broadcasts (try again after a tick).
   */
  broadcast(room: string, frame: Uint8Array | string | GoimOutFrame): boolean {
    return this.fanOut(roomBytes(room, this._options.maxRoomNameLength), frame);
  }

  /** Like broadcast(), to every open connection. */
  broadcastAll(frame: Uint8Array | string | GoimOutFrame): boolean {
    return this.fanOut(null, frame);
  }

  private fanOut(room: Buffer | null, frame: Uint8Array | string | GoimOutFrame): boolean {
    const payload = this._sendPayload(frame);
    if (this.state !== 'listening' || this.nativeServer === undefined) return false;
    this.flush(); // commands queued before (joins, leaves, sends) apply first
    return this.nativeServer.broadcast(room, payload);
  }

  /** @internal validates a frame for send/broadcast; returns [meta][payload] for goim, the payload otherwise. */
  _sendPayload(frame: Uint8Array | string | GoimOutFrame): Uint8Array {
    const f = this._framing;
    if (this.goim) {
      const meta = Buffer.allocUnsafe(GOIM_META_BYTES);
      const body = goimMeta(frame, f.ver ?? 1, meta);
      if (body.length > f.maxPayload) {
        throw new InvalidFrameError(`goim body of ${body.length} bytes exceeds maxFrameLength (${f.maxFrameLength})`);
      }
      return Buffer.concat([meta, body]);
    }
    if (typeof frame === 'string') frame = Buffer.from(frame);
    if (!(frame instanceof Uint8Array)) throw new TypeError(`${f.name} framing: send a Buffer, Uint8Array or string`);
    if (frame.length > f.maxPayload) {
      throw new InvalidFrameError(`payload of ${frame.length} bytes exceeds the framing's limit (${f.maxPayload})`);
    }
    if (f.name === 'fixed' && frame.length !== f.frameLength) {
      throw new InvalidFrameError(`fixed framing needs payloads of exactly ${f.frameLength} bytes, got ${frame.length}`);
    }
    return frame;
  }

  /** Counters per worker and in total. */
  stats(): ServerStats {
    const workers = (this.nativeServer?.stats() ?? []).map((s, worker) => ({ worker, ...s }));
    const sum = (k: keyof NativeWorkerStats) => workers.reduce((a, w) => a + w[k], 0);
    return {
      connections: sum('connections'),
      bytesIn: sum('bytesIn'),
      bytesOut: sum('bytesOut'),
      framesIn: sum('framesIn'),
      framesOut: sum('framesOut'),
      workers,
    };
  }

  /** Let the process exit while the server is listening (like net.Server#unref). */
  unref(): this {
    this.nativeServer?.unref();
    return this;
  }

  ref(): this {
    this.nativeServer?.ref();
    return this;
  }

  /** Every open connection (a snapshot). */
  connections(): Connection<T>[] {
    const out: Connection<T>[] = [];
    for (const w of this.workers) for (const c of w.conns) if (c !== undefined) out.push(c);
    return out;
  }

  // ---------------------------------------------------------------- internals

  /** @internal */
  _native(): NativeServer {
    if (this.nativeServer === undefined) throw new ServerStateError('ERR_SERVER_NOT_RUNNING', 'Server is not running');
    return this.nativeServer;
  }

  /** @internal a command was queued: make sure it reaches the worker soon. */
  _scheduleFlush(): void {
    if (this.inBatch || this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(this.flushAll);
  }

  private flush(): void {
    this.flushQueued = false;
    const ns = this.nativeServer;
    if (ns === undefined) return;
    for (const w of this.workers) {
      if (w.log.length === 0) continue;
      ns.submit(w.index, w.log.bytes, w.log.length);
      w.log.reset();
    }
  }

  /** @internal frames that arrived while a connection was paused, after resume(). */
  _replay(conn: Connection<T>, frames: Buffer[]): void {
    queueMicrotask(() => {
      for (let i = 0; i < frames.length; i++) {
        if (conn.closed) return;
        if (conn.paused) {
          conn._held = frames.slice(i).concat(conn._held ?? []);
          return;
        }
        this.frame(conn, frames[i] as Buffer, true);
      }
    });
  }

  private onBatch(worker: number, arena: number, count: number, big: Buffer[] | undefined): void {
    const w = this.workers[worker] as WorkerState<T>;
    const { data, memory, records } = w.arenas[arena] as WorkerState<T>['arenas'][number];
    this.inBatch = true;
    try {
      for (let i = 0, p = 0; i < count; i++, p += EVENT_INTS) {
        const type = records[p] as number;
        const slot = records[p + 1] as number;
        const gen = records[p + 2] as number;
        if (type === EV_FRAME) {
          const c = w.conns[slot];
          if (c === undefined || c._gen !== gen) continue;
          this.frame(c, new FrameView(memory, records[p + 3], records[p + 4]) as Buffer, false);
          continue;
        }
        this.event(w, type, slot, gen, records[p + 3] as number, records[p + 4] as number, records[p + 5] as number, data, big);
      }
    } finally {
      this.inBatch = false;
      this.flush();
    }
  }

  private frame(c: Connection<T>, frame: Buffer, owned: boolean): void {
    // Closed, or being closed by JS (a handler threw, backpressure): no more frames.
    if (c.closed || c._reason !== undefined) return;
    if (c.paused || c._held !== undefined) {
      (c._held ??= []).push(owned ? frame : Buffer.from(frame));
      return;
    }
    if (this.goim) {
      this.goimFrame(c, decodeGoimFrame(frame));
    } else if (this.http !== undefined) {
      try {
        this.http.request(c, frame, owned);
      } catch (err) {
        this.handlerFailed(err, c);
      }
    } else {
      this.deliver(c, frame);
    }
  }

  private goimFrame(c: Connection<T>, frame: GoimFrame): void {
    // Native code lets exactly one packet, an auth, through before acceptance.
    if (this.authGate && !c.authenticated) {
      this.authenticate(c, frame);
    } else {
      this.deliver(c, frame);
    }
  }

  /** onFrame, with a throwing handler closing that connection ('handler-error'). */
  private deliver(c: Connection<T>, frame: Buffer | GoimFrame): void {
    const h = this.handlers.onFrame;
    if (h === undefined) return;
    try {
      (h as (conn: Connection<T>, f: Buffer | GoimFrame) => void).call(this.handlers, c, frame);
    } catch (err) {
      this.handlerFailed(err, c);
    }
  }

  private authenticate(c: Connection<T>, frame: GoimFrame): void {
    const { seq, ver } = frame; // the frame's body dies with the call; these do not
    let result: GoimAuthResult | Promise<GoimAuthResult>;
    try {
      result = (this.handlers.onAuth as NonNullable<Handlers<T>['onAuth']>).call(this.handlers, c, frame);
    } catch (err) {
      this.handlerFailed(err, c);
      return;
    }
    if (result !== null && typeof result === 'object' && typeof (result as Promise<GoimAuthResult>).then === 'function') {
      (result as Promise<GoimAuthResult>).then(
        (v) => this.settleAuth(c, v, seq, ver),
        (err: unknown) => this.handlerFailed(err, c),
      );
      return;
    }
    this.settleAuth(c, result as GoimAuthResult, seq, ver);
  }

  private settleAuth(c: Connection<T>, result: GoimAuthResult, seq: number, ver: number): void {
    if (c.closed || c._reason !== undefined) return;
    if (result === true || (typeof result === 'object' && result !== null)) {
      try {
        c._acceptAuth(seq, ver, result === true ? undefined : result.body);
      } catch (err) {
        this.handlerFailed(err, c);
      }
      return;
    }
    // false, or anything that is not an acceptance: fail closed.
    c._reason = 'auth-rejected';
    c.close();
  }

  private event(
    w: WorkerState<T>, type: number, slot: number, gen: number, offset: number, length: number, aux: number,
    data: Buffer, big: Buffer[] | undefined,
  ): void {
    switch (type) {
      case EV_OPEN: {
        const c = new Connection<T>(w, slot, gen, data.toString('latin1', offset, offset + length));
        w.conns[slot] = c;
        if (this.handlers.onOpen) this.call(() => this.handlers.onOpen?.(c), c);
        return;
      }
      case EV_FRAME_BIG: {
        const c = w.conns[slot];
        if (c !== undefined && c._gen === gen && big !== undefined) this.frame(c, big[offset] as Buffer, true);
        return;
      }
      case EV_DRAIN: {
        const c = w.conns[slot];
        if (c === undefined || c._gen !== gen || !c._drained()) return;
        if (this.http !== undefined) this.http.drain(c);
        if (this.handlers.onDrain) this.call(() => this.handlers.onDrain?.(c), c);
        return;
      }
      case EV_END: {
        const c = w.conns[slot];
        if (c === undefined || c._gen !== gen) return;
        c._markPeerEnded();
        if (this.handlers.onEnd) this.call(() => this.handlers.onEnd?.(c), c);
        if (!this._options.allowHalfOpen && c._held === undefined) c.end();
        return;
      }
      case EV_CLOSE: {
        const c = w.conns[slot];
        if (c === undefined || c._gen !== gen) return;
        w.conns[slot] = undefined;
        c._markClosed();
        const reason = c._reason ?? CLOSE_REASONS[aux] ?? 'error';
        let error = closeError(reason, offset, c);
        if (this.http !== undefined) {
          this.http.closed(c);
          if ((reason === 'bad-frame' || reason === 'frame-too-large') && offset >= 400) {
            const parseError = new HttpParseError(offset, `connection ${c.id}: request refused with ${offset}`);
            error = parseError;
            if (this.handlers.onClientError) this.call(() => this.handlers.onClientError?.(parseError, c), undefined);
          }
        }
        if (this.handlers.onClose) this.call(() => this.handlers.onClose?.(c, reason, error), undefined);
        return;
      }
      case EV_SERVER_ERROR: {
        const err = aux === SERVER_ERR_ACCEPT
          ? new SystemError(native.errnoName(offset), -offset, 'accept', `accept failed: ${native.errnoName(offset)}`)
          : new RingnetError('ERR_MAX_CONNECTIONS', `connection refused: maxConnections (${this._options.maxConnections}) reached`);
        this.reportError(err, undefined);
        return;
      }
      case EV_WORKER_DONE:
        if (++this.workersDone === this.workers.length) this.finishClose();
        return;
      default:
        return;
    }
  }

  private finishClose(): void {
    // Called from inside a batch: let the native call that delivered it return first.
    setImmediate(() => {
      this.nativeServer?.finish();
      this.state = 'closed';
      for (const resolve of this.closeWaiters.splice(0)) resolve();
    });
  }

  private call(fn: () => void, c: Connection<T> | undefined): void {
    try {
      fn();
    } catch (err) {
      this.handlerFailed(err, c);
    }
  }

  /** @internal a handler (or a response listener) failed: report it, close that connection. */
  _handlerError(err: unknown, c: Connection<T>): void {
    this.handlerFailed(err, c);
  }

  private handlerFailed(err: unknown, c: Connection<T> | undefined): void {
    if (c !== undefined && !c.closed) {
      c._reason ??= 'handler-error';
      c.close();
    }
    this.reportError(err instanceof Error ? err : new Error(String(err)), c);
  }

  private reportError(err: Error, c: Connection<T> | undefined): void {
    const h = this.handlers.onError;
    if (h === undefined) {
      console.error('ringnet: unhandled error', err);
      return;
    }
    try {
      h.call(this.handlers, err, c);
    } catch (again) {
      // An onError that throws must not take the server down either.
      console.error('ringnet: onError threw', again);
    }
  }
}

function closeError<U>(reason: CloseReason, errno: number, c: Connection<U>): Error | undefined {
  switch (reason) {
    case 'frame-too-large':
      return new FrameTooLargeError(`connection ${c.id}: frame exceeds maxFrameLength`);
    case 'bad-frame':
      return new BadFrameError(`connection ${c.id}: malformed frame`);
    case 'backpressure': {
      const o = c._w.server._options;
      return new BackpressureError(c._submitted - (c._w.written[c._slot] as number), o.maxOutbound);
    }
    case 'reset':
    case 'error':
      if (errno > 0) {
        const code = native.errnoName(errno);
        return new SystemError(code, -errno, 'read', `connection ${c.id}: ${code}`);
      }
      return reason === 'reset' ? new SystemError('ECONNRESET', -104, 'read', `connection ${c.id}: ECONNRESET`) : undefined;
    case 'auth-required':
      return new AuthRequiredError(`connection ${c.id}: a packet other than auth arrived before the auth was accepted`);
    case 'auth-rejected':
      return new AuthRejectedError(`connection ${c.id}: onAuth rejected the auth`);
    case 'idle-timeout':
    case 'read-timeout':
    case 'header-timeout':
    case 'auth-timeout':
    case 'heartbeat-timeout': {
      const kind = reason.slice(0, reason.indexOf('-')) as TimeoutKind;
      return new ConnectionTimeoutError(kind, `connection ${c.id}: ${reason}`);
    }
    default:
      return undefined;
  }
}

async function resolveListenAddress(o: ListenOptions): Promise<{ kind: number; host?: string; port?: number; path?: string }> {
  if (typeof o !== 'object' || o === null) throw new RingnetError('ERR_INVALID_OPTION', 'listen(options): options must be an object');
  if (o.path !== undefined) {
    if (typeof o.path !== 'string' || o.path.length === 0) throw new RingnetError('ERR_INVALID_OPTION', 'path must be a non-empty string');
    if (o.path.startsWith('\0')) return { kind: 2, path: o.path.slice(1) };
    return { kind: 1, path: o.path };
  }
  const port = o.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RingnetError('ERR_SOCKET_BAD_PORT', `port must be an integer from 0 to 65535, got ${String(port)}`);
  }
  let host = o.host ?? '';
  if (host !== '' && net.isIP(host) === 0) {
    try {
      host = (await dns.promises.lookup(host)).address;
    } catch (err) {
      throw new SystemError((err as { code?: string }).code ?? 'ENOTFOUND', 0, 'getaddrinfo', `cannot resolve ${host}`, host, port);
    }
  }
  return { kind: 0, host, port };
}
