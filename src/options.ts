/**
 * Server options: their types, defaults and validation. Everything a user can
 * get wrong is rejected here, at createServer(), with an InvalidOptionError
 * naming the option; the native layer receives only normalized numbers.
 */
import { InvalidOptionError } from './errors';

// ------------------------------------------------------------------ framing

export interface LengthFramingOptions {
  type: 'length';
  /** Byte order of the length field. Default 'big'. */
  byteOrder?: 'big' | 'little';
  /** Offset of the length field from the frame start. Default 0. */
  lengthFieldOffset?: number;
  /** Size of the length field in bytes: 1, 2, 3, 4 or 8. Default 4. */
  lengthFieldLength?: 1 | 2 | 3 | 4 | 8;
  /** Added to the length field's value to get the bytes after the field. Default 0. */
  lengthAdjustment?: number;
  /** Bytes removed from the frame start before onFrame. Default offset + field length. */
  initialBytesToStrip?: number;
  /** Longest frame accepted, header included. Default 16 MiB. */
  maxFrameLength?: number;
}

export interface DelimiterFramingOptions {
  type: 'delimiter';
  /** Any non-empty byte string. Default '\n'. */
  delimiter?: string | Uint8Array;
  /** Longest payload before the delimiter. Default 64 KiB. */
  maxFrameLength?: number;
  /** Remove the delimiter from frames given to onFrame. Default true. */
  stripDelimiter?: boolean;
}

export interface FixedFramingOptions {
  type: 'fixed';
  /** Every frame is exactly this many bytes. */
  frameLength: number;
}

export interface RawFramingOptions {
  type: 'raw';
  /** Bytes are delivered as read, in pieces of at most this size. Default 64 KiB. */
  maxChunk?: number;
}

/**
 * goim packets: packLen u32 | headerLen u16 | ver u16 | op u32 | seq u32 | body,
 * big-endian. onFrame receives { op, seq, ver, body }; send() takes { op, seq?, ver?, body? }.
 */
export interface GoimFramingOptions {
  type: 'goim';
  /** Largest packLen accepted (header included). Default 64 KiB. */
  maxFrameLength?: number;
  /** A headerLen above 16 (20 with checksum): 'skip' the extra header bytes (default) or 'reject' the packet ('bad-frame'). */
  extendedHeader?: 'skip' | 'reject';
  /**
   * CRC-32 (IEEE, as zlib) of the body in a 4-byte header extension (headerLen 20), checked on
   * every packet received and written on every packet sent. Default false (stock goim clients).
   */
  checksum?: boolean;
  /**
   * Close a connection that sent nothing (no heartbeat, no message) for this many ms, reason
   * 'heartbeat-timeout'. Heartbeats (op 2) are answered natively with op 3. 0 (default) = off.
   */
  heartbeatTimeout?: number;
  /** With an onAuth handler: close unless the auth is accepted within this many ms ('auth-timeout'). Default 10000; 0 = no limit. */
  authTimeout?: number;
  /** Protocol version written when a sent frame gives none. Default 1. */
  ver?: number;
}


/**
 * HTTP/1.1 requests, parsed natively; handle them with onRequest(req, res).
 * A request over a limit is answered with its status and the connection closed.
 */
export interface HttpFramingOptions {
  type: 'http';
  /** Request line + header fields, bytes (431 beyond). Default 16 KiB (as node:http). */
  maxHeaderSize?: number;
  /** Request target length (414 beyond). Default 8 KiB. */
  maxUriLength?: number;
  /** Header fields per request (431 beyond). Default 100. */
  maxHeaders?: number;
  /** Body bytes, Content-Length or de-chunked (413 beyond). Default 1 MiB, at most 512 MiB - 1. */
  maxBodySize?: number;
  /**
   * ms allowed for a request's header section, from the connection's start or
   * the request's first byte (slowloris); the connection is closed with
   * 'header-timeout'. 0 disables it. Default 10000.
   */
  headerTimeout?: number;
  /**
   * ms a request body may pause between reads once its head is in (a stalled
   * upload); the connection is closed with 'read-timeout'. 0 disables it. Default 10000.
   */
  bodyTimeout?: number;
  /** ms an idle keep-alive connection (no request in progress, none unanswered) stays open ('idle-timeout'). 0 disables it. Default 5000 (as node:http). */
  keepAliveTimeout?: number;
  /** Unanswered requests per connection before it stops reading (pipelining bound). Default 64. */
  maxPipelined?: number;
}

export type FramingOptions =
  | LengthFramingOptions | DelimiterFramingOptions | FixedFramingOptions | RawFramingOptions | GoimFramingOptions
  | HttpFramingOptions;

// ------------------------------------------------------------------ sockets

export interface KeepAliveOptions {
  /** Seconds of idleness before the first probe (TCP_KEEPIDLE). */
  idle?: number;
  /** Seconds between probes (TCP_KEEPINTVL). */
  interval?: number;
  /** Unanswered probes before the connection is dropped (TCP_KEEPCNT). */
  count?: number;
}

/** Options applied to the listening socket(s). */
export interface ListenerSocketOptions {
  /** listen() backlog. Default 511. */
  backlog?: number;
  /** SO_REUSEADDR. Default true (as Node). */
  reuseAddr?: boolean;
  /** SO_REUSEPORT on the listener (forced on by acceptMode 'reuseport'). */
  reusePort?: boolean;
  /** TCP_DEFER_ACCEPT: seconds to wait for data before accepting. */
  deferAccept?: number;
  /** TCP_FASTOPEN queue length (0 = off). */
  fastOpen?: number;
  /** IPV6_V6ONLY for IPv6 listeners. */
  ipv6Only?: boolean;
}

/** Options applied to every accepted connection (and settable per connection). */
export interface ConnectionSocketOptions {
  noDelay?: boolean;
  quickAck?: boolean;
  cork?: boolean;
  keepAlive?: boolean | KeepAliveOptions;
  /** TCP_USER_TIMEOUT in milliseconds. */
  userTimeout?: number;
  /** SO_LINGER seconds; 0 = close with RST; false = off. */
  linger?: number | false;
  sendBuffer?: number;
  recvBuffer?: number;
  notSentLowat?: number;
  /** SO_BUSY_POLL microseconds. */
  busyPoll?: number;
  tos?: number;
  priority?: number;
}

/** Numeric ids shared with native/core/socket_options.h. */
export const SOCKET_OPTION_IDS = {
  noDelay: 1,
  quickAck: 2,
  cork: 3,
  keepAlive: 4,
  keepAliveIdle: 5,
  keepAliveInterval: 6,
  keepAliveCount: 7,
  userTimeout: 8,
  linger: 9,
  sendBuffer: 10,
  recvBuffer: 11,
  notSentLowat: 12,
  busyPoll: 13,
  tos: 14,
  priority: 15,
  reuseAddr: 16,
  reusePort: 17,
  deferAccept: 18,
  fastOpen: 19,
  ipv6Only: 20,
} as const;

export type SocketOptionName = keyof typeof SOCKET_OPTION_IDS;

// ------------------------------------------------------------------ server

export type Backend = 'epoll' | 'io_uring' | 'auto';
export type AcceptMode = 'dispatch' | 'reuseport' | 'exclusive';

export interface ServerOptions {
  framing?: FramingOptions;
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
}

/** io_uring backend tuning, per worker. */
export interface IoUringOptions {
  /** Submission queue entries (the completion queue is sized from maxConnections). Default 1024. */
  entries?: number;
  /** Provided receive buffers, a power of two; when all are in use, reads wait (no data is lost). Default 256. */
  bufferCount?: number;
  /** Bytes per provided receive buffer. Default 32768 (chosen by measurement, issue 12: 8 KiB split most 4 KiB frames across buffers). */
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

export type FramingKind = 0 | 1 | 2 | 3 | 4 | 5;

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
  backlog: number;
  listenerOptions: Array<[number, number]>;
  connectionOptions: Array<[number, number]>;
  framing: NormalizedFraming;
}

export interface NormalizedFraming {
  type: FramingKind;
  name: FramingOptions['type'];
  littleEndian?: number;
  lengthFieldOffset?: number;
  lengthFieldLength?: number;
  lengthAdjustment?: number;
  initialBytesToStrip?: number;
  maxFrameLength?: number;
  delimiter?: Buffer;
  stripDelimiter?: boolean;
  frameLength?: number;
  maxChunk?: number;
  allowExtendedHeader?: boolean;
  checksum?: boolean;
  /** goim: the auth gate is on (set by the server when handlers.onAuth exists). */
  auth?: boolean;
  authTimeoutMs?: number;
  heartbeatTimeoutMs?: number;
  ver?: number;
  maxHeaderSize?: number;
  maxUriLength?: number;
  maxHeaders?: number;
  maxBodySize?: number;
  headerTimeoutMs?: number;
  bodyTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  /** JS only: unanswered requests before the connection is paused. */
  maxPipelined?: number;
  /** Bytes send() adds around a payload (header + trailer). */
  overhead: number;
  /** Longest payload send() accepts. */
  maxPayload: number;
}

const INT32_MAX = 2 ** 31 - 1;

function int(option: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new InvalidOptionError(option, `must be an integer, got ${describe(v)}`);
  }
  if (v < min || v > max) throw new InvalidOptionError(option, `must be between ${min} and ${max}, got ${v}`);
  return v;
}

function bool(option: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new InvalidOptionError(option, `must be a boolean, got ${describe(v)}`);
  return v;
}

function oneOf<T extends string>(option: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new InvalidOptionError(option, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(v)}`);
  }
  return v as T;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v === null) return 'null';
  if (typeof v === 'object') return Array.isArray(v) ? 'an array' : 'an object';
  return String(v);
}

function plainObject(option: string, v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new InvalidOptionError(option, `must be an object, got ${describe(v)}`);
  }
  return v as Record<string, unknown>;
}

function rejectUnknown(option: string, o: Record<string, unknown>, known: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) throw new InvalidOptionError(`${option}.${k}`, 'unknown option');
  }
}

// ------------------------------------------------------------------ framing

const LENGTH_FIELD_MAX: Record<number, number> = { 1: 0xff, 2: 0xffff, 3: 0xffffff, 4: 0xffffffff, 8: Number.MAX_SAFE_INTEGER };

export function normalizeFraming(v: unknown): NormalizedFraming {
  if (v === undefined) v = { type: 'length' };
  const f = plainObject('framing', v);
  const type = oneOf('framing.type', f.type, ['length', 'delimiter', 'fixed', 'raw', 'goim', 'http'] as const);
  switch (type) {
    case 'length': {
      rejectUnknown('framing', f, ['type', 'byteOrder', 'lengthFieldOffset', 'lengthFieldLength', 'lengthAdjustment', 'initialBytesToStrip', 'maxFrameLength']);
      const byteOrder = f.byteOrder === undefined ? 'big' : oneOf('framing.byteOrder', f.byteOrder, ['big', 'little'] as const);
      const offset = f.lengthFieldOffset === undefined ? 0 : int('framing.lengthFieldOffset', f.lengthFieldOffset, 0, 65535);
      const size = f.lengthFieldLength === undefined ? 4 : int('framing.lengthFieldLength', f.lengthFieldLength, 1, 8);
      if (![1, 2, 3, 4, 8].includes(size)) throw new InvalidOptionError('framing.lengthFieldLength', `must be 1, 2, 3, 4 or 8, got ${size}`);
      const adjustment = f.lengthAdjustment === undefined ? 0 : int('framing.lengthAdjustment', f.lengthAdjustment, -INT32_MAX, INT32_MAX);
      const header = offset + size;
      const strip = f.initialBytesToStrip === undefined ? header : int('framing.initialBytesToStrip', f.initialBytesToStrip, 0, 65535);
      const max = f.maxFrameLength === undefined ? 16 * 1024 * 1024 : int('framing.maxFrameLength', f.maxFrameLength, 1, 2 ** 40);
      if (max < header) throw new InvalidOptionError('framing.maxFrameLength', `must be at least the header size (${header})`);
      if (strip > max) throw new InvalidOptionError('framing.initialBytesToStrip', 'must not exceed maxFrameLength');
      const fieldMax = LENGTH_FIELD_MAX[size] as number;
      return {
        type: 0,
        name: 'length',
        littleEndian: byteOrder === 'little' ? 1 : 0,
        lengthFieldOffset: offset,
        lengthFieldLength: size,
        lengthAdjustment: adjustment,
        initialBytesToStrip: strip,
        maxFrameLength: max,
        overhead: header,
        maxPayload: Math.min(max - header, fieldMax + adjustment),
      };
    }
    case 'delimiter': {
      rejectUnknown('framing', f, ['type', 'delimiter', 'maxFrameLength', 'stripDelimiter']);
      let delimiter: Buffer;
      if (f.delimiter === undefined) delimiter = Buffer.from('\n');
      else if (typeof f.delimiter === 'string') delimiter = Buffer.from(f.delimiter, 'utf8');
      else if (f.delimiter instanceof Uint8Array) delimiter = Buffer.from(f.delimiter);
      else throw new InvalidOptionError('framing.delimiter', `must be a string or a Buffer, got ${describe(f.delimiter)}`);
      if (delimiter.length === 0) throw new InvalidOptionError('framing.delimiter', 'must not be empty');
      if (delimiter.length > 64) throw new InvalidOptionError('framing.delimiter', 'must be at most 64 bytes');
      const max = f.maxFrameLength === undefined ? 64 * 1024 : int('framing.maxFrameLength', f.maxFrameLength, 1, 2 ** 40);
      const strip = f.stripDelimiter === undefined ? true : bool('framing.stripDelimiter', f.stripDelimiter);
      return { type: 1, name: 'delimiter', delimiter, maxFrameLength: max, stripDelimiter: strip, overhead: delimiter.length, maxPayload: max };
    }
    case 'fixed': {
      rejectUnknown('framing', f, ['type', 'frameLength']);
      const n = int('framing.frameLength', f.frameLength, 1, 64 * 1024 * 1024);
      return { type: 2, name: 'fixed', frameLength: n, overhead: 0, maxPayload: n };
    }
    case 'raw': {
      rejectUnknown('framing', f, ['type', 'maxChunk']);
      const n = f.maxChunk === undefined ? 64 * 1024 : int('framing.maxChunk', f.maxChunk, 1, 64 * 1024 * 1024);
      return { type: 3, name: 'raw', maxChunk: n, overhead: 0, maxPayload: Number.MAX_SAFE_INTEGER };
    }
    case 'goim': {
      rejectUnknown('framing', f, ['type', 'maxFrameLength', 'extendedHeader', 'checksum', 'heartbeatTimeout', 'authTimeout', 'ver']);
      const checksum = f.checksum === undefined ? false : bool('framing.checksum', f.checksum);
      const header = checksum ? 20 : 16;
      const max = f.maxFrameLength === undefined ? 64 * 1024 : int('framing.maxFrameLength', f.maxFrameLength, header, 2 ** 32 - 1);
      const extended = f.extendedHeader === undefined ? 'skip' : oneOf('framing.extendedHeader', f.extendedHeader, ['skip', 'reject'] as const);
      return {
        type: 4,
        name: 'goim',
        maxFrameLength: max,
        allowExtendedHeader: extended === 'skip',
        checksum,
        auth: false,
        authTimeoutMs: f.authTimeout === undefined ? 10_000 : int('framing.authTimeout', f.authTimeout, 0, INT32_MAX),
        heartbeatTimeoutMs: f.heartbeatTimeout === undefined ? 0 : int('framing.heartbeatTimeout', f.heartbeatTimeout, 0, INT32_MAX),
        ver: f.ver === undefined ? 1 : int('framing.ver', f.ver, 0, 0xffff),
        overhead: header,
        maxPayload: max - header,
      };
    }
    case 'http': {
      rejectUnknown('framing', f, ['type', 'maxHeaderSize', 'maxUriLength', 'maxHeaders', 'maxBodySize', 'headerTimeout', 'bodyTimeout', 'keepAliveTimeout', 'maxPipelined']);
      const maxHeaderSize = f.maxHeaderSize === undefined ? 16 * 1024 : int('framing.maxHeaderSize', f.maxHeaderSize, 64, 1024 * 1024);
      const maxUriLength = f.maxUriLength === undefined ? Math.min(8 * 1024, maxHeaderSize) : int('framing.maxUriLength', f.maxUriLength, 1, maxHeaderSize);
      return {
        type: 5,
        name: 'http',
        maxHeaderSize,
        maxUriLength,
        maxHeaders: f.maxHeaders === undefined ? 100 : int('framing.maxHeaders', f.maxHeaders, 1, 10000),
        maxBodySize: f.maxBodySize === undefined ? 1024 * 1024 : int('framing.maxBodySize', f.maxBodySize, 0, 2 ** 29 - 1),
        headerTimeoutMs: f.headerTimeout === undefined ? 10000 : int('framing.headerTimeout', f.headerTimeout, 0, INT32_MAX),
        bodyTimeoutMs: f.bodyTimeout === undefined ? 10000 : int('framing.bodyTimeout', f.bodyTimeout, 0, INT32_MAX),
        keepAliveTimeoutMs: f.keepAliveTimeout === undefined ? 5000 : int('framing.keepAliveTimeout', f.keepAliveTimeout, 0, INT32_MAX),
        maxPipelined: f.maxPipelined === undefined ? 64 : int('framing.maxPipelined', f.maxPipelined, 1, 65535),
        overhead: 0,
        maxPayload: Number.MAX_SAFE_INTEGER,
      };
    }
  }
}

// ------------------------------------------------------------------ socket options

/**
 * Validates one connection option and returns the native [id, value] pairs it
 * stands for (keepAlive expands to up to four).
 */
export function connectionOptionPairs(name: string, value: unknown): Array<[number, number]> {
  const ids = SOCKET_OPTION_IDS;
  const opt = `connection.${name}`;
  switch (name) {
    case 'noDelay':
    case 'quickAck':
    case 'cork':
      return [[ids[name], bool(opt, value) ? 1 : 0]];
    case 'keepAlive': {
      if (typeof value === 'boolean') return [[ids.keepAlive, value ? 1 : 0]];
      const k = plainObject(opt, value);
      rejectUnknown(opt, k, ['idle', 'interval', 'count']);
      const pairs: Array<[number, number]> = [[ids.keepAlive, 1]];
      if (k.idle !== undefined) pairs.push([ids.keepAliveIdle, int(`${opt}.idle`, k.idle, 1, 32767)]);
      if (k.interval !== undefined) pairs.push([ids.keepAliveInterval, int(`${opt}.interval`, k.interval, 1, 32767)]);
      if (k.count !== undefined) pairs.push([ids.keepAliveCount, int(`${opt}.count`, k.count, 1, 127)]);
      return pairs;
    }
    case 'linger':
      if (value === false) return [[ids.linger, -1]];
      return [[ids.linger, int(opt, value, 0, 65535)]];
    case 'userTimeout':
    case 'sendBuffer':
    case 'recvBuffer':
    case 'notSentLowat':
    case 'busyPoll':
    case 'priority':
      return [[ids[name], int(opt, value, 0, INT32_MAX)]];
    case 'tos':
      return [[ids.tos, int(opt, value, 0, 255)]];
    default:
      throw new InvalidOptionError(opt, 'unknown option');
  }
}

function listenerOptionPairs(o: Record<string, unknown>): { backlog: number; pairs: Array<[number, number]> } {
  rejectUnknown('server', o, ['backlog', 'reuseAddr', 'reusePort', 'deferAccept', 'fastOpen', 'ipv6Only']);
  const ids = SOCKET_OPTION_IDS;
  const pairs: Array<[number, number]> = [];
  const backlog = o.backlog === undefined ? 511 : int('server.backlog', o.backlog, 1, 65535);
  if (o.reuseAddr !== undefined) pairs.push([ids.reuseAddr, bool('server.reuseAddr', o.reuseAddr) ? 1 : 0]);
  if (o.reusePort !== undefined) pairs.push([ids.reusePort, bool('server.reusePort', o.reusePort) ? 1 : 0]);
  if (o.deferAccept !== undefined) pairs.push([ids.deferAccept, int('server.deferAccept', o.deferAccept, 0, 3600)]);
  if (o.fastOpen !== undefined) pairs.push([ids.fastOpen, int('server.fastOpen', o.fastOpen, 0, 65535)]);
  if (o.ipv6Only !== undefined) pairs.push([ids.ipv6Only, bool('server.ipv6Only', o.ipv6Only) ? 1 : 0]);
  return { backlog, pairs };
}

// ------------------------------------------------------------------ server

const SERVER_KEYS = [
  'framing', 'backend', 'workers', 'inlineWorker', 'acceptMode', 'dispatch', 'allowHalfOpen', 'highWaterMark',
  'maxOutbound', 'maxConnections', 'readBudget', 'readBufferSize', 'batchBytes', 'batchRecords', 'batchArenas',
  'closeLinger', 'idleTimeout', 'readTimeout', 'maxRoomsPerConnection', 'maxRoomNameLength', 'maxPendingBroadcasts',
  'server', 'connection', 'ioUring',
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
  const bufferCount = o.bufferCount === undefined ? 256 : int('ioUring.bufferCount', o.bufferCount, 1, 32768);
  if ((bufferCount & (bufferCount - 1)) !== 0) throw new InvalidOptionError('ioUring.bufferCount', 'must be a power of two');
  const bufferSize = o.bufferSize === undefined ? 32768 : int('ioUring.bufferSize', o.bufferSize, 256, 1 << 20);
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
  if (o.connection !== undefined) {
    const c = plainObject('connection', o.connection);
    for (const [name, value] of Object.entries(c)) {
      if (value === undefined) continue;
      connectionOptions.push(...connectionOptionPairs(name, value));
    }
  }
  // goim's heartbeatTimeout is the read timeout under its own close reason
  // (whichever of the two is shorter decides).
  let readTimeoutMs = o.readTimeout === undefined ? 0 : int('readTimeout', o.readTimeout, 0, 2 ** 31 - 1);
  let readTimeoutReason = 14;
  const heartbeat = framing.heartbeatTimeoutMs ?? 0;
  if (heartbeat > 0 && (readTimeoutMs === 0 || heartbeat < readTimeoutMs)) {
    readTimeoutMs = heartbeat;
    readTimeoutReason = 17;
  }
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
    backlog: listener.backlog,
    listenerOptions: listener.pairs,
    connectionOptions,
    framing,
  };
}
