/**
 * `ringnet serve` flags -> createServer() options, listen address and handler.
 * Value syntax is checked here; the option rules themselves live once, in
 * src/options.ts: the result goes through normalizeOptions() and an
 * InvalidOptionError is reported under the flag that set the option.
 */
import { InvalidOptionError } from '../errors';
import { normalizeOptions, type ConnectionSocketOptions, type FramingOptions, type ListenerSocketOptions, type ServerOptions } from '../options';
import type { ListenOptions } from '../server';
import { normalizeCluster } from '../cluster/options';
import { parseFlags, toChoice, toInt, toJsonObject, UsageError, type FlagSpecs } from './args';

export type HandlerKind = 'echo' | 'fixed';

export interface ServeConfig {
  options: ServerOptions;
  listen: ListenOptions;
  handler: HandlerKind;
  /** Bytes sent for every frame by the 'fixed' handler (framing added by send()). */
  response: Buffer;
  /** The echo handler writes each reply as this many writes: 2 = header, then payload (small writes). */
  echoWrites: 1 | 2;
  /** Machine-readable mode: one JSON line when ready; "stats" on stdin prints server.stats(). */
  json: boolean;
  /** Server processes sharing the port with SO_REUSEPORT (1 = this process only). */
  processes: number;
}

export const SERVE_FLAGS: FlagSpecs = {
  port: { kind: 'string', value: 'N', help: 'TCP port (default 7000; 0 = any free port)' },
  host: { kind: 'string', value: 'ADDR', help: 'address to bind (default 127.0.0.1)' },
  unix: { kind: 'string', value: 'PATH', help: 'listen on a Unix socket instead of TCP' },
  handler: { kind: 'string', value: 'echo|fixed', help: 'echo every frame back, or answer each frame with --response (default echo)' },
  response: { kind: 'string', value: 'TEXT', help: 'reply of the fixed handler, framed by send() like any reply; \\r \\n \\t \\\\ \\xHH escapes (default "ok")' },
  'echo-writes': { kind: 'string', value: '1|2', help: 'echo as one write, or two small ones (header, payload) to show Nagle stalls (default 1)' },
  framing: { kind: 'string', value: 'length|delimiter|fixed|raw', help: 'frame format (default length)' },
  'length-field': { kind: 'string', value: '1|2|3|4|8', help: 'length framing: size of the length field (default 4)' },
  'byte-order': { kind: 'string', value: 'big|little', help: 'length framing: byte order (default big)' },
  delimiter: { kind: 'string', value: 'TEXT', help: 'delimiter framing: the delimiter, escapes as --response (default \\n)' },
  'frame-length': { kind: 'string', value: 'N', help: 'fixed framing: bytes per frame' },
  'max-frame': { kind: 'string', value: 'SIZE', help: 'longest frame accepted (length/delimiter framing)' },
  backend: { kind: 'string', value: 'epoll|io_uring|auto', help: 'I/O backend (default epoll)' },
  workers: { kind: 'string', value: 'N', help: 'reactor workers (default 1)' },
  'inline-worker': { kind: 'boolean', help: 'run worker 0 on the JavaScript thread (default true; --inline-worker=false for threads only)' },
  'accept-mode': { kind: 'string', value: 'dispatch|reuseport|exclusive', help: 'how connections reach workers (default dispatch)' },
  dispatch: { kind: 'string', value: 'round-robin|least-connections', help: 'dispatch policy (default round-robin)' },
  'max-connections': { kind: 'string', value: 'N', help: 'connections beyond this are refused (default 10000)' },
  'high-water-mark': { kind: 'string', value: 'SIZE', help: 'send() returns false above this many queued bytes' },
  'max-outbound': { kind: 'string', value: 'SIZE', help: 'close a connection with more queued bytes than this' },
  'no-delay': { kind: 'boolean', help: 'TCP_NODELAY on accepted connections (--no-delay=false: Nagle on)' },
  cork: { kind: 'boolean', help: 'TCP_CORK on accepted connections' },
  'quick-ack': { kind: 'boolean', help: 'TCP_QUICKACK on accepted connections' },
  'keep-alive': { kind: 'string', value: 'on|off|IDLE,INTERVAL,COUNT', help: 'SO_KEEPALIVE, optionally with its timers in seconds' },
  linger: { kind: 'string', value: 'SECONDS|off', help: 'SO_LINGER (0 = reset on close)' },
  sndbuf: { kind: 'string', value: 'SIZE', help: 'SO_SNDBUF of accepted connections' },
  rcvbuf: { kind: 'string', value: 'SIZE', help: 'SO_RCVBUF of accepted connections' },
  'busy-poll': { kind: 'string', value: 'MICROSECONDS', help: 'SO_BUSY_POLL' },
  'user-timeout': { kind: 'string', value: 'MS', help: 'TCP_USER_TIMEOUT' },
  'not-sent-lowat': { kind: 'string', value: 'SIZE', help: 'TCP_NOTSENT_LOWAT' },
  tos: { kind: 'string', value: '0-255', help: 'IP_TOS' },
  priority: { kind: 'string', value: 'N', help: 'SO_PRIORITY' },
  backlog: { kind: 'string', value: 'N', help: 'listen() backlog (default 511)' },
  'reuse-port': { kind: 'boolean', help: 'SO_REUSEPORT on the listener' },
  'defer-accept': { kind: 'string', value: 'SECONDS', help: 'TCP_DEFER_ACCEPT on the listener' },
  'fast-open': { kind: 'string', value: 'N', help: 'TCP_FASTOPEN queue length on the listener' },
  options: { kind: 'string', value: 'JSON', help: 'more createServer() options as JSON; flags override it' },
  json: { kind: 'boolean', help: 'print {"ready":true,...} as JSON; then "stats" on stdin prints server.stats()' },
  processes: { kind: 'string', value: 'N', help: 'N server processes share the port with SO_REUSEPORT (the kernel spreads connections; default 1)' },
  'proxy-protocol': { kind: 'boolean', help: 'expect a PROXY protocol v1/v2 header on every connection (behind HAProxy or an L4 balancer)' },
  'cluster-redis': { kind: 'string', value: 'URL', help: 'join a cluster through Redis pub/sub (redis://host:port)' },
  'cluster-nats': { kind: 'string', value: 'URL', help: 'join a cluster through NATS (nats://host:port)' },
  'node-id': { kind: 'string', value: 'ID', help: 'cluster node id (default: host, pid, random)' },
  help: { kind: 'boolean', help: 'show this help' },
};

/** Which flag sets each option path, so a rule broken in options.ts is reported under its flag. */
const FLAG_OF_OPTION: Record<string, string> = {
  backend: '--backend', workers: '--workers', inlineWorker: '--inline-worker', acceptMode: '--accept-mode',
  dispatch: '--dispatch', maxConnections: '--max-connections', highWaterMark: '--high-water-mark',
  maxOutbound: '--max-outbound', 'framing.type': '--framing', 'framing.lengthFieldLength': '--length-field',
  'framing.byteOrder': '--byte-order', 'framing.delimiter': '--delimiter', 'framing.frameLength': '--frame-length',
  'framing.maxFrameLength': '--max-frame', 'connection.noDelay': '--no-delay', 'connection.cork': '--cork',
  'connection.quickAck': '--quick-ack', 'connection.keepAlive': '--keep-alive', 'connection.keepAlive.idle': '--keep-alive',
  'connection.keepAlive.interval': '--keep-alive', 'connection.keepAlive.count': '--keep-alive',
  'connection.linger': '--linger', 'connection.sendBuffer': '--sndbuf', 'connection.recvBuffer': '--rcvbuf',
  'connection.busyPoll': '--busy-poll', 'connection.userTimeout': '--user-timeout',
  'connection.notSentLowat': '--not-sent-lowat', 'connection.tos': '--tos', 'connection.priority': '--priority',
  'server.backlog': '--backlog', 'server.reusePort': '--reuse-port', 'server.deferAccept': '--defer-accept',
  'server.fastOpen': '--fast-open',
};

/** Decodes \r \n \t \\ \0 and \xHH in a command-line string. */
export function unescape(flag: string, text: string): Buffer {
  const bytes: number[] = [];
  const raw = Buffer.from(text, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i] as number;
    if (b !== 0x5c) {
      bytes.push(b);
      continue;
    }
    const c = String.fromCharCode(raw[++i] ?? 0);
    if (c === 'n') bytes.push(10);
    else if (c === 'r') bytes.push(13);
    else if (c === 't') bytes.push(9);
    else if (c === '0') bytes.push(0);
    else if (c === '\\') bytes.push(0x5c);
    else if (c === 'x') {
      const hex = raw.subarray(i + 1, i + 3).toString('latin1');
      if (!/^[0-9a-f]{2}$/i.test(hex)) throw new UsageError(`bad \\x escape in '${text}'`, flag);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else throw new UsageError(`unknown escape \\${c} in '${text}'`, flag);
  }
  return Buffer.from(bytes);
}

/** Parses `ringnet serve` arguments. Throws UsageError on any mistake. */
export function parseServeArgs(argv: readonly string[]): ServeConfig {
  const { values, positionals } = parseFlags(argv, SERVE_FLAGS);
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const str = (k: string): string | undefined => values.get(k) as string | undefined;
  const flag = (k: string): boolean | undefined => values.get(k) as boolean | undefined;
  const int = (k: string, opts?: Parameters<typeof toInt>[2]): number | undefined => {
    const v = str(k);
    return v === undefined ? undefined : toInt(`--${k}`, v, opts);
  };

  const base: ServerOptions = values.has('options') ? (toJsonObject('--options', str('options') as string) as ServerOptions) : {};
  const options: ServerOptions = { ...base };
  const set = <K extends keyof ServerOptions>(k: K, v: ServerOptions[K] | undefined): void => {
    if (v !== undefined) options[k] = v;
  };
  set('backend', str('backend') as ServerOptions['backend']);
  set('workers', int('workers'));
  set('inlineWorker', flag('inline-worker'));
  set('acceptMode', str('accept-mode') as ServerOptions['acceptMode']);
  set('dispatch', str('dispatch') as ServerOptions['dispatch']);
  set('maxConnections', int('max-connections'));
  set('highWaterMark', int('high-water-mark', { sizes: true }));
  set('maxOutbound', int('max-outbound', { sizes: true }));

  const framing = framingFromFlags(values, base.framing);
  if (framing) options.framing = framing;

  const conn: ConnectionSocketOptions = { ...(base.connection ?? {}) };
  const setConn = <K extends keyof ConnectionSocketOptions>(k: K, v: ConnectionSocketOptions[K] | undefined): void => {
    if (v !== undefined) conn[k] = v;
  };
  setConn('noDelay', flag('no-delay'));
  setConn('cork', flag('cork'));
  setConn('quickAck', flag('quick-ack'));
  if (values.has('keep-alive')) conn.keepAlive = keepAliveFlag(str('keep-alive') as string);
  if (values.has('linger')) {
    const v = str('linger') as string;
    conn.linger = v === 'off' ? false : toInt('--linger', v);
  }
  setConn('sendBuffer', int('sndbuf', { sizes: true }));
  setConn('recvBuffer', int('rcvbuf', { sizes: true }));
  setConn('busyPoll', int('busy-poll'));
  setConn('userTimeout', int('user-timeout'));
  setConn('notSentLowat', int('not-sent-lowat', { sizes: true }));
  setConn('tos', int('tos'));
  setConn('priority', int('priority'));
  if (Object.keys(conn).length) options.connection = conn;

  const srv: ListenerSocketOptions = { ...(base.server ?? {}) };
  if (values.has('backlog')) srv.backlog = int('backlog');
  if (values.has('reuse-port')) srv.reusePort = flag('reuse-port');
  if (values.has('defer-accept')) srv.deferAccept = int('defer-accept');
  if (values.has('fast-open')) srv.fastOpen = int('fast-open');
  if (Object.keys(srv).length) options.server = srv;

  if (values.has('cluster-redis') && values.has('cluster-nats')) throw new UsageError('give one of --cluster-redis or --cluster-nats', '--cluster-nats');
  if (values.has('cluster-redis') || values.has('cluster-nats')) {
    options.cluster = {
      ...(values.has('cluster-redis') ? { redis: str('cluster-redis') as string } : { nats: str('cluster-nats') as string }),
      ...(values.has('node-id') ? { nodeId: str('node-id') as string } : {}),
    };
  } else if (values.has('node-id')) {
    throw new UsageError('needs --cluster-redis or --cluster-nats', '--node-id');
  }
  const processes = int('processes', { max: 256 }) ?? 1;
  if (processes < 1) throw new UsageError('must be at least 1', '--processes');
  if (processes > 1) {
    if (values.has('unix')) throw new UsageError('needs TCP (Unix sockets do not balance with SO_REUSEPORT)', '--processes');
    options.server = { ...(options.server ?? {}), reusePort: true };
  }

  validate(options);

  const handler = toChoice('--handler', str('handler') ?? 'echo', ['echo', 'fixed'] as const);
  if (values.has('response') && handler !== 'fixed') throw new UsageError('only applies to --handler fixed', '--response');
  const echoWrites = Number(toChoice('--echo-writes', str('echo-writes') ?? '1', ['1', '2'] as const)) as 1 | 2;
  if (echoWrites === 2) {
    const f = options.framing;
    if (handler !== 'echo' || !f || f.type !== 'length' || (f.lengthFieldLength ?? 4) !== 4 || (f.lengthFieldOffset ?? 0) !== 0) {
      throw new UsageError('2 needs --handler echo and length framing with a 4-byte length field', '--echo-writes');
    }
  }

  let listen: ListenOptions;
  if (values.has('unix')) {
    if (values.has('port') || values.has('host')) throw new UsageError('cannot be combined with --port or --host', '--unix');
    listen = { path: str('unix') as string };
  } else {
    listen = { port: int('port', { max: 65535 }) ?? 7000, host: str('host') ?? '127.0.0.1' };
  }
  if (flag('proxy-protocol')) listen.proxyProtocol = true;
  return {
    options,
    listen,
    handler,
    response: values.has('response') ? unescape('--response', str('response') as string) : Buffer.from('ok'),
    echoWrites,
    json: flag('json') ?? false,
    processes,
  };
}

function framingFromFlags(values: Map<string, unknown>, base: FramingOptions | undefined): FramingOptions | undefined {
  const str = (k: string): string | undefined => values.get(k) as string | undefined;
  const given = ['framing', 'length-field', 'byte-order', 'delimiter', 'frame-length', 'max-frame'].filter((k) => values.has(k));
  if (!given.length) return base ?? { type: 'length' };
  const type = toChoice('--framing', str('framing') ?? base?.type ?? 'length', ['length', 'delimiter', 'fixed', 'raw'] as const);
  const only = (k: string, t: string): void => {
    if (values.has(k) && type !== t) throw new UsageError(`only applies to --framing ${t}`, `--${k}`);
  };
  only('length-field', 'length');
  only('byte-order', 'length');
  only('delimiter', 'delimiter');
  only('frame-length', 'fixed');
  if (values.has('max-frame') && type !== 'length' && type !== 'delimiter') {
    throw new UsageError('only applies to --framing length or delimiter', '--max-frame');
  }
  const maxFrame = str('max-frame') === undefined ? undefined : toInt('--max-frame', str('max-frame') as string, { sizes: true });
  const inherited = base && base.type === type ? base : undefined;
  switch (type) {
    case 'length': {
      const f: FramingOptions = { ...(inherited ?? {}), type };
      if (values.has('length-field')) f.lengthFieldLength = toInt('--length-field', str('length-field') as string) as 1 | 2 | 3 | 4 | 8;
      if (values.has('byte-order')) f.byteOrder = toChoice('--byte-order', str('byte-order') as string, ['big', 'little'] as const);
      if (maxFrame !== undefined) f.maxFrameLength = maxFrame;
      return f;
    }
    case 'delimiter': {
      const f: FramingOptions = { ...(inherited ?? {}), type };
      if (values.has('delimiter')) f.delimiter = unescape('--delimiter', str('delimiter') as string);
      if (maxFrame !== undefined) f.maxFrameLength = maxFrame;
      return f;
    }
    case 'fixed': {
      if (!values.has('frame-length') && !(inherited && 'frameLength' in inherited)) {
        throw new UsageError('--framing fixed needs --frame-length', '--framing');
      }
      const n = values.has('frame-length') ? toInt('--frame-length', str('frame-length') as string) : (inherited as { frameLength: number }).frameLength;
      return { type, frameLength: n };
    }
    case 'raw':
      return { ...(inherited ?? {}), type };
  }
}

function keepAliveFlag(v: string): ConnectionSocketOptions['keepAlive'] {
  if (v === 'on') return true;
  if (v === 'off') return false;
  const parts = v.split(',');
  if (parts.length !== 3) throw new UsageError(`expects on, off or IDLE,INTERVAL,COUNT (e.g. 60,10,5), got '${v}'`, '--keep-alive');
  const [idle, interval, count] = parts.map((p) => toInt('--keep-alive', p)) as [number, number, number];
  return { idle, interval, count };
}

/** Runs the option rules of createServer(); a violation names the flag that set it. */
function validate(options: ServerOptions): void {
  try {
    const { cluster, ...local } = options;
    normalizeOptions(local);
    if (cluster !== undefined) normalizeCluster(cluster);
  } catch (e) {
    if (e instanceof InvalidOptionError) {
      const flag = FLAG_OF_OPTION[e.option];
      throw new UsageError(flag ? e.message.slice(e.option.length + 2) : e.message, flag ?? '--options');
    }
    throw e;
  }
}
