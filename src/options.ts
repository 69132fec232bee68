/**
 * Server options: their types, defaults and validation. Everything a user can
 * get wrong is rejected here, at createServer(), with an InvalidOptionError
 * naming the option; the native layer receives only normalized numbers.
 * Each protocol's framing options live with it (src/protocols/<name>/options.ts),
 * socket options in ./options/socket.ts; both are re-exported here.
 */
import type { ClusterOptions } from './cluster/options';
import { InvalidOptionError } from './errors';
import { normalizeTls, type TlsOptions } from './tls';
import { CLOSE_READ_TIMEOUT } from './wire';
import type { NormalizedFraming } from './protocol';
import { normalizeFraming, type FramingOptions } from './protocols';
import { bool, int, oneOf, plainObject, rejectUnknown } from './options/validate';
import {
  connectionOptionPairs, listenerOptionPairs, type ConnectionSocketOptions, type ListenerSocketOptions,
} from './options/socket';

export type { FramingOptions } from './protocols';
export type {
  LengthFramingOptions, DelimiterFramingOptions, FixedFramingOptions, RawFramingOptions,
} from './protocols/frames/options';
export type { GoimFramingOptions } from './protocols/goim/options';
export type { HttpFramingOptions } from './protocols/http/options';
export type { KeepAliveOptions, ListenerSocketOptions, ConnectionSocketOptions, SocketOptionName } from './options/socket';
export { SOCKET_OPTION_IDS, connectionOptionPairs } from './options/socket';
export type { NormalizedFraming } from './protocol';

export type Backend = 'epoll' | 'io_uring' | 'auto';
export type AcceptMode = 'dispatch' | 'reuseport' | 'exclusive';

export interface ServerOptions {
  framing?: FramingOptions;
  /** Share rooms, pushes and online counts with other nodes through Redis or NATS (src/cluster). */
  cluster?: ClusterOptions;
  /** I/O backend. Default 'epoll'. */
  backend?: Backend;
  /** Sub reactors (native threads owning connections). Default 1 (see README). */
  workers?: number;
  /** Run worker 0 on the JavaScript thread (no thread hop per batch). Default true (see README). */
  inlineWorker?: boolean;
  /** How connections reach workers. Default 'dispatch'. */
  acceptMode?: AcceptMode;
  /** Dispatch policy of the 'dispatch' accept mode. Default 'round-robin'. */
  dispatch?: 'round-robin' | 'least-connections';
  /** Keep a connection open after the peer's FIN until you end it. Default false. */
  allowHalfOpen?: boolean;
  /** send() returns false once this many bytes are queued. Default 64 KiB. */
  highWaterMark?: number;
  /** A connection with more queued bytes than this is closed ('backpressure'). Default 8 MiB. */
  maxOutbound?: number;
  /** Connections beyond this are refused. Default 10000. */
  maxConnections?: number;
  /** Bytes read from one connection per loop pass before serving others. Default 256 KiB. */
  readBudget?: number;
  /** Per-worker read buffer. Default 64 KiB. */
  readBufferSize?: number;
  /** Bytes of frames per batch handed to JS. Default 256 KiB. */
  batchBytes?: number;
  /** Events per batch. Default 8192. */
  batchRecords?: number;
  /** Batches in flight to JS per worker before the worker stops reading. Default 2. */
  batchArenas?: number;
  /** Graceful close waits this long (ms) for the peer's FIN. Default 2000. */
  closeLinger?: number;
  /**
   * Close a connection after this many ms with no bytes in either direction
   * (reason 'idle-timeout'). 0 (the default) disables it. Checked by a sweep
   * every eighth of the shortest timeout (10 ms to 1 s), so it fires that much late at most.
   */
  idleTimeout?: number;
  /**
   * Close a connection after this many ms without receiving a byte, whatever
   * it sends (reason 'read-timeout'): a dead or silent peer. 0 (default) disables it.
   */
  readTimeout?: number;
  /** Rooms one connection may be in at once (conn.join beyond it throws RoomLimitError). Default 64. */
  maxRoomsPerConnection?: number;
  /** Longest room name, in UTF-8 bytes. Default 256. */
  maxRoomNameLength?: number;
  /** Broadcasts queued for a worker and not yet applied; beyond it broadcast() returns false. Default 1024. */
  maxPendingBroadcasts?: number;
  server?: ListenerSocketOptions;
  connection?: ConnectionSocketOptions;
  /** Tuning of the io_uring backend (ignored by epoll). */
  ioUring?: IoUringOptions;
  /** Speak TLS on every connection (handshake and records on the native workers). */
  tls?: TlsOptions;
}

/** io_uring backend tuning, per worker. */
export interface IoUringOptions {
  /** Submission queue entries (the completion queue is sized from maxConnections). Default 1024. */
  entries?: number;
  /** Provided receive buffers at most, a power of two; about 1 MiB of them is in the kernel's ring at first, more when a read finds none (kept in cache: issue 12); when all are in use, reads wait (no data is lost). Default 128. */
  bufferCount?: number;
  /** Bytes per provided receive buffer. Default 65536 (issue 12: like epoll's 64 KiB reads, half the frames split across buffers that 32 KiB split). */
  bufferSize?: number;
  /**
   * SQPOLL: a kernel thread per worker picks up submissions, so sending costs
   * no system call while it is awake. It spins a CPU core while busy, and
   * sleeps after `sqpoll` ms without work when a number is given (true = 1000).
   * Default false. Fails to start (no silent fallback) where the kernel refuses it.
   */
  sqpoll?: boolean | number;
  /**
   * Sends of at least this many queued bytes go zero-copy (SEND_ZC): the
   * kernel reads the output chunks in place and they are kept until its
   * notification. Pays off for large responses (tens of KiB and up); small
   * ones copy faster. 0 (default) = never. Unix sockets always copy.
   */
  zeroCopyThreshold?: number;
}

/** What the native layer receives (see native/bridge/config_parse.cc). */
export interface NormalizedOptions {
  backend: number;
  backendName: Backend;
  workers: number;
  inlineWorker: boolean;
  acceptMode: number;
  dispatch: number;
  allowHalfOpen: boolean;
  highWaterMark: number;
  maxOutbound: number;
  maxConnections: number;
  readBudget: number;
  readBufferSize: number;
  batchBytes: number;
  batchRecords: number;
  batchArenas: number;
  closeLingerMs: number;
  idleTimeoutMs: number;
  readTimeoutMs: number;
  /** Close reason of the read timeout: 14 read-timeout, or 17 heartbeat-timeout (goim). */
  readTimeoutReason: number;
  maxRoomsPerConnection: number;
  maxRoomNameLength: number;
  maxPendingBroadcasts: number;
  ioUringEntries: number;
  ioUringBufferCount: number;
  ioUringBufferSize: number;
  ioUringSqpoll: boolean;
  ioUringSqpollIdleMs: number;
  ioUringZeroCopyThreshold: number;
  /** TLS servers: the native certificate context (createTlsContext) and limits. */
  tlsContext?: unknown;
  tlsHandshakeTimeoutMs?: number;
  tlsMaxHandshakes?: number;
  /** tls.ktls, kept for setSecureContext's new contexts. */
  tlsKtls?: 'auto' | 'off' | 'require';
  backlog: number;
  listenerOptions: Array<[number, number]>;
  connectionOptions: Array<[number, number]>;
  framing: NormalizedFraming;
}

const SERVER_KEYS = [
  'framing', 'backend', 'workers', 'inlineWorker', 'acceptMode', 'dispatch', 'allowHalfOpen', 'highWaterMark',
  'maxOutbound', 'maxConnections', 'readBudget', 'readBufferSize', 'batchBytes', 'batchRecords', 'batchArenas',
  'closeLinger', 'idleTimeout', 'readTimeout', 'maxRoomsPerConnection', 'maxRoomNameLength', 'maxPendingBroadcasts',
  'server', 'connection', 'ioUring', 'tls',
] as const;

const IO_URING_KEYS = ['entries', 'bufferCount', 'bufferSize', 'sqpoll', 'zeroCopyThreshold'] as const;

interface NormalizedIoUring {
  entries: number;
  bufferCount: number;
  bufferSize: number;
  sqpoll: boolean;
  sqpollIdleMs: number;
  zeroCopyThreshold: number;
}

function ioUringOptions(value: unknown): NormalizedIoUring {
  const o = value === undefined ? {} : plainObject('ioUring', value);
  rejectUnknown('ioUring', o, IO_URING_KEYS);
  const entries = o.entries === undefined ? 1024 : int('ioUring.entries', o.entries, 8, 32768);
  const bufferCount = o.bufferCount === undefined ? 128 : int('ioUring.bufferCount', o.bufferCount, 1, 32768);
  if ((bufferCount & (bufferCount - 1)) !== 0) throw new InvalidOptionError('ioUring.bufferCount', 'must be a power of two');
  const bufferSize = o.bufferSize === undefined ? 65536 : int('ioUring.bufferSize', o.bufferSize, 256, 1 << 20);
  if (bufferCount * bufferSize > 1 << 30) {
    throw new InvalidOptionError('ioUring.bufferCount', 'bufferCount * bufferSize must not exceed 1 GiB per worker');
  }
  let sqpoll = false;
  let sqpollIdleMs = 1000;
  if (typeof o.sqpoll === 'number') {
    sqpollIdleMs = int('ioUring.sqpoll', o.sqpoll, 1, 3_600_000);
    sqpoll = true;
  } else if (o.sqpoll !== undefined) {
    sqpoll = bool('ioUring.sqpoll', o.sqpoll);
  }
  const zeroCopyThreshold = o.zeroCopyThreshold === undefined ? 0 : int('ioUring.zeroCopyThreshold', o.zeroCopyThreshold, 0, 2 ** 31 - 1);
  return { entries, bufferCount, bufferSize, sqpoll, sqpollIdleMs, zeroCopyThreshold };
}

export const DEFAULT_WORKERS = 1;
export const DEFAULT_INLINE_WORKER = true;

export function normalizeOptions(options: unknown): NormalizedOptions {
  const o = options === undefined ? {} : plainObject('options', options);
  rejectUnknown('options', o, SERVER_KEYS);
  const backendName = o.backend === undefined ? 'epoll' : oneOf('backend', o.backend, ['epoll', 'io_uring', 'auto'] as const);
  const workers = o.workers === undefined ? DEFAULT_WORKERS : int('workers', o.workers, 1, 256);
  const acceptMode = o.acceptMode === undefined ? 'dispatch' : oneOf('acceptMode', o.acceptMode, ['dispatch', 'reuseport', 'exclusive'] as const);
  const dispatch = o.dispatch === undefined ? 'round-robin' : oneOf('dispatch', o.dispatch, ['round-robin', 'least-connections'] as const);
  const highWaterMark = o.highWaterMark === undefined ? 64 * 1024 : int('highWaterMark', o.highWaterMark, 0, 2 ** 40);
  const maxOutbound = o.maxOutbound === undefined ? Math.max(8 * 1024 * 1024, highWaterMark) : int('maxOutbound', o.maxOutbound, 1, 2 ** 40);
  if (maxOutbound < highWaterMark) throw new InvalidOptionError('maxOutbound', `must be at least highWaterMark (${highWaterMark})`);
  const framing = normalizeFraming(o.framing);
  const batchBytes = o.batchBytes === undefined ? 256 * 1024 : int('batchBytes', o.batchBytes, 4096, 1 << 30);
  const listener = listenerOptionPairs(o.server === undefined ? {} : plainObject('server', o.server));
  const ioUring = ioUringOptions(o.ioUring);
  const connectionOptions: Array<[number, number]> = [];
  const c = o.connection === undefined ? {} : plainObject('connection', o.connection);
  for (const [name, value] of Object.entries(c)) {
    if (value === undefined) continue;
    connectionOptions.push(...connectionOptionPairs(name, value));
  }
  // The protocol's default (goim, WebSocket: protocol.ts), unless the user chose.
  if (framing.noDelay === true && c.noDelay === undefined) connectionOptions.push(...connectionOptionPairs('noDelay', true));
  // A protocol's own read timeout (goim's heartbeatTimeout) closes under its
  // own reason; whichever of the two is shorter decides.
  let readTimeoutMs = o.readTimeout === undefined ? 0 : int('readTimeout', o.readTimeout, 0, 2 ** 31 - 1);
  let readTimeoutReason = CLOSE_READ_TIMEOUT;
  const own = framing.readTimeoutMs ?? 0;
  if (own > 0 && (readTimeoutMs === 0 || own < readTimeoutMs)) {
    readTimeoutMs = own;
    readTimeoutReason = framing.readTimeoutReason ?? CLOSE_READ_TIMEOUT;
  }
  const tls = normalizeTls(o.tls, framing.alpn ?? []);
  return {
    backend: backendName === 'io_uring' ? 1 : 0,
    backendName,
    workers,
    inlineWorker: o.inlineWorker === undefined ? DEFAULT_INLINE_WORKER : bool('inlineWorker', o.inlineWorker),
    acceptMode: acceptMode === 'dispatch' ? 0 : acceptMode === 'reuseport' ? 1 : 2,
    dispatch: dispatch === 'round-robin' ? 0 : 1,
    allowHalfOpen: o.allowHalfOpen === undefined ? false : bool('allowHalfOpen', o.allowHalfOpen),
    highWaterMark,
    maxOutbound,
    maxConnections: o.maxConnections === undefined ? 10000 : int('maxConnections', o.maxConnections, 1, 1 << 24),
    readBudget: o.readBudget === undefined ? 256 * 1024 : int('readBudget', o.readBudget, 1, 1 << 30),
    readBufferSize: o.readBufferSize === undefined ? 64 * 1024 : int('readBufferSize', o.readBufferSize, 1024, 1 << 26),
    batchBytes,
    batchRecords: o.batchRecords === undefined ? 8192 : int('batchRecords', o.batchRecords, 16, 1 << 22),
    batchArenas: o.batchArenas === undefined ? 2 : int('batchArenas', o.batchArenas, 1, 64),
    closeLingerMs: o.closeLinger === undefined ? 2000 : int('closeLinger', o.closeLinger, 0, 3_600_000),
    idleTimeoutMs: o.idleTimeout === undefined ? 0 : int('idleTimeout', o.idleTimeout, 0, 2 ** 31 - 1),
    readTimeoutMs,
    readTimeoutReason,
    maxRoomsPerConnection: o.maxRoomsPerConnection === undefined ? 64 : int('maxRoomsPerConnection', o.maxRoomsPerConnection, 1, 65536),
    maxRoomNameLength: o.maxRoomNameLength === undefined ? 256 : int('maxRoomNameLength', o.maxRoomNameLength, 1, 65536),
    maxPendingBroadcasts: o.maxPendingBroadcasts === undefined ? 1024 : int('maxPendingBroadcasts', o.maxPendingBroadcasts, 1, 1 << 20),
    ioUringEntries: ioUring.entries,
    ioUringBufferCount: ioUring.bufferCount,
    ioUringBufferSize: ioUring.bufferSize,
    ioUringSqpoll: ioUring.sqpoll,
    ioUringSqpollIdleMs: ioUring.sqpollIdleMs,
    ioUringZeroCopyThreshold: ioUring.zeroCopyThreshold,
    ...(tls === undefined ? {} : {
      tlsContext: tls.context,
      tlsHandshakeTimeoutMs: tls.handshakeTimeoutMs,
      tlsMaxHandshakes: tls.maxHandshakes,
      tlsKtls: tls.ktls,
    }),
    backlog: listener.backlog,
    listenerOptions: listener.pairs,
    connectionOptions,
    framing,
  };
}
