/**
 * The server: creates the native workers on listen(), turns each batch of
 * native events into handler calls, and hands the commands those handlers
 * queued back to the workers in one call per worker. It knows no protocol:
 * frames, drains, closes and sends go through the connection's Protocol
 * (src/protocol.ts), chosen from the registry by framing type (src/protocols).
 */
import { AddressTexts } from './address_texts';
import { Connection, type ConnectionHost, type WorkerLink } from './connection';
import { CommandLog } from './command_log';
import { closeError } from './close_error';
import { BackendUnavailableError, InvalidOptionError, RingnetError, ServerStateError, SystemError, fromNative } from './errors';
import { resolveListenAddress, type ListenOptions } from './listen_address';
import { native, type NativeServer, type NativeWorkerStats } from './native';
import { normalizeOptions, type Backend, type NormalizedOptions, type ServerOptions } from './options';
import type { TlsOptions } from './tls';
import { secureContext, tlsClientError } from './tls_events';
import type { Protocol, SendPayload } from './protocol';
import { checkForeignHandlers, protocolModule, type Handlers } from './protocols';
import type { ProtocolHost } from './protocols/module';
import { roomBytes } from './rooms';
import type { ClusterNode } from './cluster/node';
import { normalizeCluster } from './cluster/options';
import { ServerCluster } from './cluster/server-cluster';
import {
  CLOSE_REASONS, EVENT_INTS, EV_CLOSE, EV_DRAIN, EV_END, EV_FRAME, EV_FRAME_BIG, EV_OPEN, EV_SERVER_ERROR,
  EV_TLS_CLIENT_ERROR, EV_WORKER_DONE, SERVER_ERR_ACCEPT, SERVER_ERR_MAX_HANDSHAKES,
} from './wire';

export type { Handlers } from './protocols';
export type { ListenOptions } from './listen_address';

export interface AddressInfo {
  address: string;
  family: string;
  port: number;
}

export interface CloseOptions {
  /** After this many ms, connections still open are reset (RST). Default 5000. */
  timeout?: number;
}

/**
 * Bytes memcpy'd per path (issue 12): divide by bytesOut for "bytes copied per
 * byte echoed". byReference: bytes queued for the kernel straight from a batch
 * arena (a frame sent back unchanged), with no copy.
 */
export interface CopyStats {
  /** frames into the batch arenas (frames over half an arena: twice, their own buffer then a JS Buffer) */
  arena: number;
  /** payloads copied into JS's command log by send()/write() */
  commandLog: number;
  /** command logs copied into a threaded worker's inbox */
  inbox: number;
  /** bytes copied into connections' output queues */
  outputQueue: number;
  /** partial frames kept between reads */
  readTail: number;
  byReference: number;
}

export interface WorkerStatsView extends NativeWorkerStats {
  worker: number;
  copies: CopyStats;
}

export interface ServerStats {
  connections: number;
  bytesIn: number;
  bytesOut: number;
  framesIn: number;
  framesOut: number;
  copies: CopyStats;
  workers: WorkerStatsView[];
}

/** @internal state of one native worker as seen from JS. */
export interface WorkerState<T> extends WorkerLink<T> {
  arenas: Array<{ data: Buffer; memory: ArrayBuffer; records: Int32Array }>;
  conns: Array<Connection<T> | undefined>;
  /** The arena of the batch being handled (-1 outside one) and its memory: views into it are sent by reference. */
  batchArena: number;
  batchMemory: ArrayBuffer | undefined;
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

/** A frame held while its connection is paused, with the kind it arrived with. */
type HeldFrame = Buffer & { _kind?: number };

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

export class Server<T = unknown> implements ConnectionHost<T> {
  /** The backend that runs: 'epoll' or 'io_uring'. */
  readonly backend: 'epoll' | 'io_uring';
  /**
   * With `backend: 'auto'` on a system where io_uring cannot run (not built,
   * kernel.io_uring_disabled, seccomp, qemu-user, an old kernel): why, as
   * `BackendUnavailableError` would say it. Undefined otherwise.
   */
  readonly backendFallbackReason: string | undefined;
  /** @internal */ readonly _options: NormalizedOptions;
  /** @internal */ _closing = false;

  private readonly handlers: Handlers<T, any>;
  /** Every connection starts with it (a protocol may hand one over to another). */
  private readonly protocol: Protocol<Connection<T>>;
  private nativeServer: NativeServer | undefined;
  private workers: WorkerState<T>[] = [];
  private state: State = 'idle';
  private bound: AddressInfo | undefined;
  private inBatch = false;
  private flushQueued = false;
  private workersDone = 0;
  private closeWaiters: Array<() => void> = [];
  private readonly flushAll = (): void => this.flush();
  /** Connections' address texts without their remote port, shared between connections. */
  private readonly addressTexts = new AddressTexts();
  /** @internal createServer({ cluster }): rooms, pushes and counts shared with other nodes. */
  readonly _cluster: ServerCluster<Connection<T>> | undefined;
  /** @internal the cluster's channel prefix (a ServerGroup checks its servers' differ). */
  readonly _clusterPrefix: string | undefined;

  constructor(options: ServerOptions | undefined, handlers: Handlers<T, any>) {
    const { cluster, ...local } = options ?? {};
    this._options = normalizeOptions(options === undefined ? undefined : local);
    if (cluster !== undefined) {
      const normalized = normalizeCluster(cluster);
      this._clusterPrefix = normalized.prefix;
      this._cluster = new ServerCluster<Connection<T>>(normalized, {
        broadcastWire: (room, wire) => this.fanOutWire(room === null ? null : Buffer.from(room, 'utf8'), wire),
      });
    }
    const framing = this._options.framing;
    if (typeof handlers !== 'object' || handlers === null) {
      throw new TypeError('createServer(options, handlers): handlers must be an object');
    }
    checkForeignHandlers(framing, handlers);
    const module = protocolModule(framing);
    this.handlers = (module.connectionHandlers?.(handlers) ?? handlers) as Handlers<T, any>;
    const server = this;
    const host: ProtocolHost<T> = {
      get closing() { return server._closing; },
      handlerFailed: (err, c) => this.handlerFailed(err, c),
    };
    this.protocol = module.create<T>({ framing, limits: this._options, handlers, host });
    const resolved = resolveBackend(this._options.backendName);
    this.backend = resolved.backend;
    this.backendFallbackReason = resolved.fallback;
    this._options.backend = this.backend === 'io_uring' ? 1 : 0;
  }

  /** Binds and starts the workers. Resolves with the bound address (port 0 picks one). */
  async listen(options: ListenOptions = {}): Promise<AddressInfo> {
    if (this.state !== 'idle') throw new ServerStateError('ERR_SERVER_ALREADY_LISTEN', 'listen() was already called');
    const address = await resolveListenAddress(options);
    if (address.proxy !== undefined && this._options.tlsContext !== undefined) {
      // The PROXY header comes before the TLS handshake; that order is not wired natively yet.
      throw new InvalidOptionError('proxyProtocol', 'cannot be combined with tls yet');
    }
    if (this.state !== 'idle') throw new ServerStateError('ERR_SERVER_ALREADY_LISTEN', 'listen() was already called');
    const ns = new native.NativeServer(this._options, (w, a, n, big, byRef) => this.onBatch(w, a, n, big, byRef));
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
      batchArena: -1,
      batchMemory: undefined,
    }));
    this.state = 'listening';
    // Abstract names are reported the way they were given ('\0name'), as Node does.
    const shown = address.kind === 2 ? `\0${address.path ?? ''}` : result.address;
    this.bound = { address: shown, family: result.family, port: result.port };
    // The broker, once local service runs (up to cluster.startTimeout; it keeps trying after).
    await this._cluster?.start();
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
      // Draining a cluster node: stop accepting (above), unsubscribe, withdraw
      // its online counts; connections close gracefully meanwhile.
      if (this._cluster !== undefined) {
        return Promise.all([done, this._cluster.node.drain(Math.min(timeout, 2000))]).then(() => undefined);
      }
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
  broadcast(room: string, frame: SendPayload): boolean {
    return this._prepareBroadcast(room, frame)();
  }

  /** Like broadcast(), to every open connection (on every node, with a cluster). */
  broadcastAll(frame: SendPayload): boolean {
    return this._prepareBroadcast(null, frame)();
  }

  /**
   * @internal broadcast() in two steps, for a ServerGroup: validates and
   * encodes now (throwing what broadcast() throws, nothing queued yet); the
   * returned function queues it and returns what broadcast() returns. The
   * group prepares on every server first, so a frame one of them rejects
   * reaches no one.
   */
  _prepareBroadcast(room: string | null, frame: SendPayload): () => boolean {
    const bytes = room === null ? null : roomBytes(room, this._options.maxRoomNameLength);
    const cluster = this._cluster;
    if (cluster === undefined) {
      // Wire bytes when the protocol encodes this payload itself (a goim TCP batch).
      const wire = this.protocol.broadcastWire?.(frame);
      const payload = wire ?? this.protocol.broadcastPayload(frame);
      return () => this.fanOut(bytes, payload, wire !== undefined);
    }
    // Cluster: encoded once; the same wire bytes go to local members natively
    // and to the other nodes, which hand them to their native fan-out as is.
    const wire = this.wireFor(frame);
    return () => {
      if (wire === undefined || !this.fanOutWire(bytes, wire)) return false;
      if (room === null) cluster.all(wire);
      else cluster.room(room, wire);
      return true;
    };
  }

  /**
   * Sends a frame to every connection bound to `userId` (conn.bindUser), on
   * every node with a cluster (this node's only without). False when not listening.
   */
  pushUser(userId: string, frame: SendPayload): boolean {
    return this._preparePushUser(userId, frame)();
  }

  /** @internal pushUser() in two steps, like _prepareBroadcast(). */
  _preparePushUser(userId: string, frame: SendPayload): () => boolean {
    const wire = this.wireFor(frame);
    return () => {
      if (wire === undefined) return false;
      if (this._cluster !== undefined) this._cluster.user(String(userId), wire);
      else for (const c of this.connections()) if (c.userId === userId) c.write(wire);
      return true;
    };
  }

  /**
   * Sends a frame to one connection on any node: `id` is conn.clusterId
   * ("node.id"), or conn.id on this node. False when it is known not to be
   * here (a remote one is published; its node drops it if it is gone).
   */
  pushConnection(id: string | number, frame: SendPayload): boolean {
    const wire = this.wireFor(frame);
    if (wire === undefined) return false;
    if (this._cluster !== undefined) return this._cluster.connection(id, wire);
    const c = this.connections().find((x) => x.id === Number(id));
    if (c === undefined) return false;
    c.write(wire);
    return true;
  }

  /** createServer({ cluster }): online(room), stats(), events ('up', 'down', 'resync', 'error'). */
  get cluster(): ClusterNode | undefined {
    return this._cluster?.node;
  }

  /** The frame's wire bytes, encoded once natively (undefined when not listening). */
  private wireFor(frame: SendPayload): Buffer | undefined {
    const wire = this.protocol.broadcastWire?.(frame);
    const payload = wire === undefined ? this.protocol.broadcastPayload(frame) : undefined;
    if (this.state !== 'listening' || this.nativeServer === undefined) return undefined;
    if (wire !== undefined) return Buffer.from(wire.buffer, wire.byteOffset, wire.length);
    return this.nativeServer.encodeFrame(payload as Uint8Array);
  }

  private fanOutWire(room: Buffer | null, wire: Buffer): boolean {
    if (this.state !== 'listening' || this.nativeServer === undefined) return false;
    this.flush(); // commands queued before (joins, leaves, sends) apply first
    return this.nativeServer.broadcast(room, wire, true);
  }

  private fanOut(room: Buffer | null, payload: Uint8Array, encoded: boolean): boolean {
    if (this.state !== 'listening' || this.nativeServer === undefined) return false;
    this.flush(); // commands queued before (joins, leaves, sends) apply first
    return this.nativeServer.broadcast(room, payload, encoded);
  }

  /**
   * TLS servers: new handshakes use these certificates (same shape as
   * createServer's `tls`: key, cert, ca, sni, alpn, minVersion, ciphers,
   * sessionTickets); connections already open keep theirs. Bad material
   * throws InvalidOptionError and changes nothing.
   */
  setSecureContext(tls: TlsOptions): void {
    if (this._options.tlsContext === undefined) throw new ServerStateError('ERR_TLS_NOT_ENABLED', 'setSecureContext: the server was created without tls');
    const context = secureContext(tls, this._options.framing.alpn ?? [], this._options.tlsKtls ?? 'auto');
    this._options.tlsContext = context;
    this.nativeServer?.setTlsContext(context);
  }

  /** Counters per worker and in total. */
  stats(): ServerStats {
    const workers: WorkerStatsView[] = (this.nativeServer?.stats() ?? []).map((s, worker) => ({
      worker,
      ...s,
      copies: {
        arena: s.copiedToArena,
        commandLog: this.workers[worker]?.log.copied ?? 0,
        inbox: s.copiedToInbox,
        outputQueue: s.copiedToOutput,
        readTail: s.copiedToTail,
        byReference: s.sentByReference,
      },
    }));
    const sum = (k: keyof NativeWorkerStats) => workers.reduce((a, w) => a + w[k], 0);
    const copies = (k: keyof CopyStats) => workers.reduce((a, w) => a + w.copies[k], 0);
    return {
      connections: sum('connections'),
      bytesIn: sum('bytesIn'),
      bytesOut: sum('bytesOut'),
      framesIn: sum('framesIn'),
      framesOut: sum('framesOut'),
      copies: {
        arena: copies('arena'), commandLog: copies('commandLog'), inbox: copies('inbox'),
        outputQueue: copies('outputQueue'), readTail: copies('readTail'), byReference: copies('byReference'),
      },
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
      ns.submit(w.index, w.log.bytes, w.log.length, w.log.refs);
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
        const f = frames[i] as HeldFrame;
        this.frame(conn, f, true, f._kind ?? 0);
      }
    });
  }

  private onBatch(worker: number, arena: number, count: number, big: Buffer[] | undefined, byReference: boolean): void {
    const w = this.workers[worker] as WorkerState<T>;
    const { data, memory, records } = w.arenas[arena] as WorkerState<T>['arenas'][number];
    this.inBatch = true;
    // Frames sent back are referenced, not copied, unless the worker says it
    // cannot hold this arena for the commands (a batch published mid-read).
    w.batchArena = arena;
    w.batchMemory = byReference ? memory : undefined;
    try {
      for (let i = 0, p = 0; i < count; i++, p += EVENT_INTS) {
        const type = records[p] as number;
        const slot = records[p + 1] as number;
        const gen = records[p + 2] as number;
        if (type === EV_FRAME) {
          const c = w.conns[slot];
          if (c === undefined || c._gen !== gen) continue;
          this.frame(c, new FrameView(memory, records[p + 3], records[p + 4]) as Buffer, false, records[p + 5] as number);
          continue;
        }
        this.event(w, type, slot, gen, records[p + 3] as number, records[p + 4] as number, records[p + 5] as number, data, big);
      }
    } finally {
      this.inBatch = false;
      // The log (with any sends by reference into this arena) goes to the
      // worker before the arena is handed back (native releaseArena orders
      // the release after it).
      this.flush();
      w.batchArena = -1;
      w.batchMemory = undefined;
    }
  }

  private frame(c: Connection<T>, frame: Buffer, owned: boolean, kind: number): void {
    // Closed, or being closed by JS (a handler threw, backpressure): no more frames.
    if (c.closed || c._reason !== undefined) return;
    if (c.paused || c._held !== undefined) {
      const held: HeldFrame = owned ? frame : Buffer.from(frame);
      if (kind !== 0) held._kind = kind;
      (c._held ??= []).push(held);
      return;
    }
    c._protocol.frame(c, frame, owned, kind);
  }

  private event(
    w: WorkerState<T>, type: number, slot: number, gen: number, offset: number, length: number, aux: number,
    data: Buffer, big: Buffer[] | undefined,
  ): void {
    switch (type) {
      case EV_OPEN: {
        const texts = this.addressTexts;
        const addr = texts.shared(data, offset, length);
        const c = new Connection<T>(w, slot, gen, addr, texts.port, this.protocol);
        w.conns[slot] = c;
        this._cluster?.opened(c);
        if (c._protocol.open !== undefined) c._protocol.open(c);
        if (this.handlers.onOpen) this.call(() => this.handlers.onOpen?.(c), c);
        return;
      }
      case EV_FRAME_BIG: {
        const c = w.conns[slot];
        if (c !== undefined && c._gen === gen && big !== undefined) this.frame(c, big[offset] as Buffer, true, aux);
        return;
      }
      case EV_DRAIN: {
        const c = w.conns[slot];
        if (c === undefined || c._gen !== gen || !c._drained()) return;
        if (c._protocol.drain !== undefined) c._protocol.drain(c);
        if (this.handlers.onDrain) this.call(() => this.handlers.onDrain?.(c), c);
        return;
      }
      case EV_END: {
        const c = w.conns[slot];
        if (c === undefined || c._gen !== gen) return;
        c._markPeerEnded();
        if (this.handlers.onEnd) this.call(() => this.handlers.onEnd?.(c, offset), c);
        if (!this._options.allowHalfOpen && c._held === undefined) c.end();
        return;
      }
      case EV_CLOSE: {
        const c = w.conns[slot];
        if (c === undefined || c._gen !== gen) return;
        w.conns[slot] = undefined;
        this._cluster?.closing(c);
        c._markClosed();
        const reason = c._reason ?? CLOSE_REASONS[aux] ?? 'error';
        let error = closeError(reason, offset, c);
        const p = c._protocol;
        if (p.closed !== undefined) error = p.closed(c, reason, offset, error);
        if (this.handlers.onClose) this.call(() => this.handlers.onClose?.(c, reason, error), undefined);
        return;
      }
      case EV_TLS_CLIENT_ERROR: {
        const h = this.handlers.onTlsClientError;
        if (h !== undefined) this.call(() => h.call(this.handlers, tlsClientError(aux, gen, data.toString('latin1', offset, offset + length))), undefined);
        return;
      }
      case EV_SERVER_ERROR: {
        const err = aux === SERVER_ERR_ACCEPT
          ? new SystemError(native.errnoName(offset), -offset, 'accept', `accept failed: ${native.errnoName(offset)}`)
          : aux === SERVER_ERR_MAX_HANDSHAKES
            ? new RingnetError('ERR_TLS_MAX_HANDSHAKES', `connection refused: tls.maxHandshakes (${this._options.tlsMaxHandshakes ?? 0}) in progress on a worker`)
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
