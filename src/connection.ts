/**
 * One client connection, owned natively by one worker. Methods queue commands
 * for that worker; nothing here blocks or makes a system call except the
 * socket-option accessors.
 */
import { addressText, ipv4Text, remotePortOf } from './address_texts';
import type { ServerCluster } from './cluster/server-cluster';
import type { CommandLog } from './command_log';
import { InvalidOptionError, RingnetError, RoomLimitError, SystemError } from './errors';
import type { Protocol, SendPayload } from './protocol';
import { roomBytes } from './rooms';
import { connectionOptionPairs, SOCKET_OPTION_IDS, type KeepAliveOptions } from './options/socket';
import { native, type NativeServer, type NativeTcpInfo } from './native';
import { parseTlsInfo, type TlsInfo } from './tls';
import {
  CMD_CLOSE, CMD_DESTROY, CMD_END, CMD_JOIN, CMD_LEAVE, CMD_PAUSE, CMD_RESUME, CMD_SEND, CMD_SEND_REF, CMD_WANT_DRAIN,
  CMD_WRITE, CMD_WRITE_REF, type CloseReason,
} from './wire';

const CLOSED = 1;
const ENDED = 2; // end() or close() called: no more output
const PAUSED = 4;
const WANT_DRAIN = 8;
const PEER_ENDED = 16;
const AUTHENTICATED = 32;

/** @internal what a connection needs from the server that owns it (the server implements it). */
export interface ConnectionHost<T> {
  /** createServer({ cluster }): rooms and bound users feed the cluster's interest. */
  readonly _cluster: ServerCluster<Connection<T>> | undefined;
  readonly _options: {
    readonly highWaterMark: number;
    readonly maxOutbound: number;
    readonly maxRoomsPerConnection: number;
    readonly maxRoomNameLength: number;
  };
  /** server.close() was called: only output owed to requests already received goes out. */
  readonly _closing: boolean;
  /** A command was queued: make sure it reaches the worker soon. */
  _scheduleFlush(): void;
  _native(): NativeServer;
  /** Frames that arrived while the connection was paused, after resume(). */
  _replay(conn: Connection<T>, frames: Buffer[]): void;
}

/** @internal the worker a connection belongs to, as the connection sees it. */
export interface WorkerLink<T> {
  readonly index: number;
  readonly server: ConnectionHost<T>;
  /** Bytes the kernel took, per slot (shared with the native worker). */
  readonly written: Float64Array;
  readonly log: CommandLog;
  /** The arena of the batch being handled (-1 outside one) and its memory, when its frames may be sent by reference. */
  batchArena: number;
  batchMemory: ArrayBuffer | undefined;
}

/** Values getOption() returns. */
export interface KeepAliveState {
  enabled: boolean;
  idle: number;
  interval: number;
  count: number;
}

export type TcpInfo = NativeTcpInfo;

export type ConnectionOptionName =
  | 'noDelay' | 'quickAck' | 'cork' | 'keepAlive' | 'userTimeout' | 'linger' | 'sendBuffer' | 'recvBuffer'
  | 'notSentLowat' | 'busyPoll' | 'tos' | 'priority';

const BOOLEAN_OPTIONS = new Set(['noDelay', 'quickAck', 'cork']);

/**
 * State most connections never have (paused frames, a JS-chosen close reason,
 * rooms, a bound user): one object, created on first use, so that an idle
 * connection is a small object (README, "Idle memory").
 */
class RareState {
  /** frames that arrived while paused */ held: Buffer[] | undefined = undefined;
  /** set when JS decides the close reason (handler error, backpressure) */ reason: CloseReason | undefined = undefined;
  /** rooms joined (in the order joined) */ rooms: Set<string> | undefined = undefined;
  /** bindUser() */ user: string | undefined = undefined;
}

export class Connection<T = unknown> {
  /** Unique within the process. */
  readonly id: number;
  /** Your data for this connection (set it in onOpen). */
  data: T = undefined as T;

  /** @internal */ _w: WorkerLink<T>;
  /** @internal the protocol that decodes and encodes this connection's frames (src/protocol.ts) */
  _protocol: Protocol<Connection<T>>;
  /** @internal */ _slot: number;
  /** @internal bytes handed to send()/write(), on the wire. */ _submitted = 0;
  /** @internal */ _state = 0;
  /** @internal protocol state (HTTP: response order) */ _proto: unknown = undefined;
  /** @internal an IPv4 client's address (int32), or "family|remote||local|lport", shared (src/address_texts.ts) */
  private readonly _addr: string | number;
  /** @internal the remote port (bits 0-15) and, for an int32 _addr, its local part's index (src/address_texts.ts) */
  private readonly _rport: number;
  /** @internal rare state, undefined until needed */ private _rare: RareState | undefined = undefined;

  /** @internal */
  constructor(w: WorkerLink<T>, slot: number, gen: number, addr: string | number, remotePort: number, protocol: Protocol<Connection<T>>) {
    this._w = w;
    this._protocol = protocol;
    this._slot = slot;
    this.id = gen;
    this._addr = addr;
    this._rport = remotePort;
  }

  /** @internal the slot's generation (the id: no field of its own) */
  get _gen(): number { return this.id; }

  /** @internal frames that arrived while paused */
  get _held(): Buffer[] | undefined { return this._rare?.held; }
  set _held(frames: Buffer[] | undefined) {
    if (frames !== undefined || this._rare !== undefined) this.rare().held = frames;
  }
  /** @internal set when JS decides the close reason (handler error, backpressure) */
  get _reason(): CloseReason | undefined { return this._rare?.reason; }
  set _reason(reason: CloseReason | undefined) {
    if (reason !== undefined || this._rare !== undefined) this.rare().reason = reason;
  }

  private rare(): RareState {
    return (this._rare ??= new RareState());
  }

  // The address text is built when a field is read (not kept: idle memory).
  private field(i: number): string {
    return addressText(this._addr, this._rport).split('|')[i] ?? '';
  }

  /** 'IPv4', 'IPv6' or 'unix'. */
  get remoteFamily(): string { return typeof this._addr === 'number' ? 'IPv4' : this.field(0); }
  get remoteAddress(): string { return typeof this._addr === 'number' ? ipv4Text(this._addr) : this.field(1); }
  get remotePort(): number { return remotePortOf(this._rport); }
  get localAddress(): string { return this.field(3); }
  get localPort(): number { return Number(this.field(4)); }
  /** TLS servers: the negotiated session (set before onOpen); undefined without TLS. */
  get tls(): TlsInfo | undefined {
    const f = addressText(this._addr, this._rport).split('|');
    return f.length > 5 ? parseTlsInfo(f.slice(5)) : undefined;
  }
  /** Index of the worker (sub reactor) that owns this connection. */
  get worker(): number { return this._w.index; }

  get closed(): boolean { return (this._state & CLOSED) !== 0; }
  /** True once the peer sent FIN. */
  get peerEnded(): boolean { return (this._state & PEER_ENDED) !== 0; }
  get paused(): boolean { return (this._state & PAUSED) !== 0; }
  /** Bytes handed to send()/write() that the kernel has not taken yet. */
  get bufferedAmount(): number {
    if (this._state & CLOSED) return 0;
    return this._submitted - (this._w.written[this._slot] as number);
  }

  /**
   * Sends one frame: the framing's header (or delimiter) is added natively.
   * Returns false when the outbound queue is above highWaterMark (onDrain fires
   * when it empties) or the connection is closed/ended (the payload is dropped).
   * The payload is copied before send() returns.
   */
  send(payload: SendPayload): boolean {
    if (this._state & (CLOSED | ENDED)) return false;
    return this._protocol.send(this, payload);
  }

  /** Writes bytes as they are, with no framing. Same return value as send(). */
  write(bytes: Uint8Array | string): boolean {
    if (this._state & (CLOSED | ENDED)) return false;
    const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    return this.queue(CMD_WRITE, b, b.length);
  }

  /**
   * @internal a protocol's send(): queues one frame, `head` (protocol meta the
   * native encoder reads, goim: ver/op/seq) in front of `payload`; `wireBytes`
   * is what it will be on the wire. Same return value as send().
   */
  _sendFrame(payload: Uint8Array, wireBytes: number, head?: Uint8Array): boolean {
    return this.queue(CMD_SEND, payload, wireBytes, head);
  }

  private queue(op: number, payload: Uint8Array, wireBytes: number, head?: Uint8Array): boolean {
    if (!this.admit(wireBytes)) return false;
    const w = this._w;
    if (payload.buffer === w.batchMemory && payload.length > 0 && (head === undefined || op === CMD_SEND)) {
      // A frame of the batch being handled (or a slice of it), sent back: the
      // worker reads it from the arena, no copy into the log (the framing's
      // meta, if any, rides in the command).
      w.log.pushRef(op === CMD_SEND ? CMD_SEND_REF : CMD_WRITE_REF, this._slot, this._gen, w.batchArena, payload, head);
      w.server._scheduleFlush();
    } else if (head === undefined) {
      this.command(op, payload);
    } else {
      this._commandParts(op, head, payload);
    }
    return this.belowHighWater();
  }

  /** Counts bytes about to be queued; false when they must not go (server closing and not `owed`, or over maxOutbound: reset). */
  private admit(wireBytes: number, owed = false): boolean {
    const w = this._w;
    // After server.close() nothing new goes out, except HTTP responses owed to
    // requests already received (the native side holds those connections open).
    if (w.server._closing && !owed) return false;
    this._submitted += wireBytes;
    if (this._submitted - (w.written[this._slot] as number) > w.server._options.maxOutbound) {
      this._overflow();
      return false;
    }
    return true;
  }

  /** After queueing: true below highWaterMark, else asks for a drain event and returns false. */
  private belowHighWater(): boolean {
    const w = this._w;
    if (this._submitted - (w.written[this._slot] as number) > w.server._options.highWaterMark) {
      if (!(this._state & WANT_DRAIN)) {
        this._state |= WANT_DRAIN;
        this.command(CMD_WANT_DRAIN);
      }
      return false;
    }
    return true;
  }

  /**
   * Joins a room of this connection's worker (server.broadcast reaches every
   * worker). Joining twice is a no-op. Throws InvalidRoomError for a bad name
   * and RoomLimitError beyond maxRoomsPerConnection. A closed connection has
   * left every room.
   */
  join(room: string): void {
    const o = this._w.server._options;
    const bytes = roomBytes(room, o.maxRoomNameLength);
    if (this._state & CLOSED) return;
    const rare = this.rare();
    const rooms = (rare.rooms ??= new Set());
    if (rooms.has(room)) return;
    if (rooms.size >= o.maxRoomsPerConnection) {
      throw new RoomLimitError(o.maxRoomsPerConnection, `connection ${this.id} is already in ${rooms.size} rooms (maxRoomsPerConnection)`);
    }
    rooms.add(room);
    this.command(CMD_JOIN, bytes);
    this._w.server._cluster?.joined(room);
  }

  /** Leaves a room; a room it is not in is ignored. */
  leave(room: string): void {
    const bytes = roomBytes(room, this._w.server._options.maxRoomNameLength);
    const rooms = this._rare?.rooms;
    if (rooms === undefined || !rooms.delete(room) || this._state & CLOSED) return;
    this.command(CMD_LEAVE, bytes);
    this._w.server._cluster?.left(room);
  }

  /**
   * Binds this connection to a user id (goim's mid): server.pushUser(id, frame)
   * reaches it, on whichever node it is. One user per connection; binding
   * again rebinds. Ignored once closed.
   */
  bindUser(userId: string): void {
    if (typeof userId !== 'string' || userId.length === 0 || Buffer.byteLength(userId) > 256) {
      throw new InvalidOptionError('bindUser', 'a user id must be a non-empty string of at most 256 bytes');
    }
    if (this._state & CLOSED) return;
    this.rare().user = userId;
    this._w.server._cluster?.bind(this, userId);
  }

  /** The user id given to bindUser(), if any. */
  get userId(): string | undefined {
    return this._rare?.user;
  }

  /** The id that names this connection's node ("node.id") for server.pushConnection(); conn.id without a cluster. */
  get clusterId(): string {
    return this._w.server._cluster?.clusterId(this) ?? String(this.id);
  }

  /** The rooms this connection is in. */
  get rooms(): string[] {
    const rooms = this._rare?.rooms;
    return rooms === undefined ? [] : [...rooms];
  }

  /** goim with onAuth: true once the auth was accepted (always false without the gate). */
  get authenticated(): boolean {
    return (this._state & AUTHENTICATED) !== 0;
  }

  /** @internal a protocol with an auth gate (goim) accepted this connection's auth. */
  _markAuthenticated(): void {
    this._state |= AUTHENTICATED;
  }

  /** @internal more than maxOutbound would be queued: reset with reason 'backpressure'. */
  _overflow(): void {
    if (this._state & CLOSED) return;
    this._reason = 'backpressure';
    this.command(CMD_DESTROY);
    this._state |= ENDED;
  }

  /**
   * @internal output owed to a request (HTTP: a response part, native
   * protocol command `protoOp` with text around the body): same accounting
   * as send(), and still allowed after server.close().
   */
  _sendOwed(protoOp: number, pre: string, body: Uint8Array | string | undefined, bodyBytes: number, post: string): boolean {
    if (this._state & (CLOSED | ENDED)) return false;
    if (!this.admit(pre.length + bodyBytes + post.length, true)) return false;
    this._w.log.pushProtocol(this._slot, this._gen, protoOp, pre, body, bodyBytes, post);
    this._w.server._scheduleFlush();
    return this.belowHighWater();
  }

  /** Half-close: FIN after queued output is flushed; frames from the peer still arrive. */
  end(): void {
    if (this._state & (CLOSED | ENDED)) return;
    this._state |= ENDED;
    this.command(CMD_END);
  }

  /** Graceful close: flush queued output, FIN, then close. */
  close(): void {
    if (this._state & CLOSED) return;
    this._state |= ENDED;
    this.command(CMD_CLOSE);
  }

  /** Abortive close: queued output is dropped and the peer sees ECONNRESET (RST). */
  destroy(): void {
    if (this._state & CLOSED) return;
    this._state |= ENDED;
    this.command(CMD_DESTROY);
  }

  /** Stops onFrame for this connection until resume(); the kernel applies TCP flow control. */
  pause(): void {
    if (this._state & (CLOSED | PAUSED)) return;
    this._state |= PAUSED;
    this.command(CMD_PAUSE);
  }

  resume(): void {
    if (!(this._state & PAUSED) || this._state & CLOSED) return;
    this._state &= ~PAUSED;
    this.command(CMD_RESUME);
    const held = this._held;
    if (held !== undefined) {
      this._held = undefined;
      this._w.server._replay(this, held);
    }
  }

  /** Sets a socket option on this connection (validated like the server options). */
  setOption(name: ConnectionOptionName, value: boolean | number | KeepAliveOptions | false): void {
    const pairs = connectionOptionPairs(name, value);
    for (const [id, v] of pairs) {
      const rc = this._w.server._native().setOption(this._w.index, this._slot, this._gen, id, v);
      if (rc !== 0) throw this.optionError(rc, 'setsockopt', name);
    }
  }

  /** Reads the kernel's current value of a socket option. */
  getOption(name: ConnectionOptionName): boolean | number | KeepAliveState {
    if (name === 'keepAlive') {
      return {
        enabled: this.read('keepAlive') !== 0,
        idle: this.read('keepAliveIdle'),
        interval: this.read('keepAliveInterval'),
        count: this.read('keepAliveCount'),
      };
    }
    if (!(name in SOCKET_OPTION_IDS) || SOCKET_OPTION_IDS[name] > 15) {
      throw new InvalidOptionError(String(name), 'unknown connection option');
    }
    const v = this.read(name);
    return BOOLEAN_OPTIONS.has(name) ? v !== 0 : v;
  }

  private read(name: keyof typeof SOCKET_OPTION_IDS): number {
    const [rc, value] = this._w.server._native().getOption(this._w.index, this._slot, this._gen, SOCKET_OPTION_IDS[name]);
    if (rc !== 0) throw this.optionError(rc, 'getsockopt', name);
    return value;
  }

  /** TCP_INFO: rtt (µs), retransmits, cwnd and more. Throws on a Unix socket. */
  tcpInfo(): TcpInfo {
    const r = this._w.server._native().tcpInfo(this._w.index, this._slot, this._gen);
    if (typeof r === 'number') throw this.optionError(r, 'getsockopt', 'TCP_INFO');
    return r;
  }

  private optionError(errno: number, syscall: string, name: string): Error {
    if (this._state & CLOSED || errno === 9 /* EBADF: closed meanwhile */) {
      return new RingnetError('ERR_SOCKET_CLOSED', `connection ${this.id} is closed`);
    }
    const code = native.errnoName(errno);
    return new SystemError(code, -errno, syscall, `${syscall} ${name} failed: ${code}`);
  }

  /** @internal */
  command(op: number, payload?: Uint8Array): void {
    this._w.log.push(op, this._slot, this._gen, payload);
    this._w.server._scheduleFlush();
  }

  /** @internal a command whose payload is `head` then `payload` (both copied into the log now). */
  _commandParts(op: number, head: Uint8Array, payload: Uint8Array): void {
    this._w.log.pushParts(op, this._slot, this._gen, head, payload);
    this._w.server._scheduleFlush();
  }

  /** @internal asks for a drain event when the output queue empties (once until it fires). */
  _wantDrain(): void {
    if (this._state & (WANT_DRAIN | CLOSED)) return;
    this._state |= WANT_DRAIN;
    this.command(CMD_WANT_DRAIN);
  }

  /** @internal */ _markClosed(): void {
    this._state |= CLOSED | ENDED;
    const rare = this._rare;
    if (rare !== undefined) {
      rare.held = undefined;
      rare.rooms = undefined;
    }
  }
  /** @internal */ _markPeerEnded(): void { this._state |= PEER_ENDED; }
  /** @internal */ _drained(): boolean {
    if (!(this._state & WANT_DRAIN)) return false;
    this._state &= ~WANT_DRAIN;
    return true;
  }
}
