/**
 * `ringnet bench` flags -> a request for the benchmark lab (bench/lab). This
 * file checks the syntax of every value; the lab resolves the preset or JSON
 * file, applies these overrides and checks names against its target and
 * workload modules.
 */
import { parseFlags, splitTopLevel, toChoice, toInt, toIntList, toNumber, UsageError, type FlagSpecs } from './args';
import { parseServeArgs } from './serve-options';
import type { ConnectionSocketOptions } from '../options';

export interface TargetSpec {
  /** A target module name (bench/targets), e.g. 'ringnet-epoll', 'node:net'. */
  name: string;
  /** Extra server options for this target (ringnet: createServer() options). */
  options?: Record<string, unknown>;
  /** Label in tables; defaults to the name plus its options. */
  label?: string;
}

/** A brought-along server: `--target 'name=command {port}'` or `'name@http,goim=command {port}'`. */
export interface ByoTargetSpec {
  name: string;
  /** Shell command; every {port} is replaced by the port the lab gives it. */
  command: string;
  /** Workloads it serves; undefined = every workload of the run a bare-port server can serve. */
  workloads?: string[];
}

/** Figures an expectation can be about (ratio of the two targets' medians, paired by round). */
export const EXPECT_FIGURES = { cpu: 'serverCpuUsPerOp', throughput: 'opsPerSec', p99: 'p99Us', memory: 'bytesPerConn' } as const;

/** `--expect '[FIGURE ]A/B OP X[ @CELL]'`, e.g. 'ringnet-io_uring/ringnet-epoll<=0.9'. */
export interface Expectation {
  text: string;
  figure: (typeof EXPECT_FIGURES)[keyof typeof EXPECT_FIGURES];
  a: string;
  b: string;
  op: '<=' | '<' | '>=' | '>';
  value: number;
  /** Only cells whose id starts with this; undefined = every cell with both targets. */
  cell?: string;
}

export interface SocketFlagVariant {
  /** Label in tables: 'default' or the flags as given. */
  name: string;
  connection: ConnectionSocketOptions;
}

/** What the command line asks of the lab; undefined = take it from the preset or config file. */
export interface BenchRequest {
  preset?: string;
  configFile?: string;
  targets?: TargetSpec[];
  workloads?: string[];
  connections?: number[];
  depth?: number[];
  payload?: number[];
  acceptModes?: Array<'dispatch' | 'reuseport' | 'exclusive'>;
  workers?: number;
  reconnect?: number[];
  pushes?: number[];
  socketFlags?: SocketFlagVariant[];
  httpGenerators?: Array<'autocannon' | 'wrk'>;
  rounds?: number;
  duration?: number;
  warmup?: number;
  quick: boolean;
  baseline?: string;
  outDir?: string;
  name?: string;
  progress: boolean;
  /** undefined = pin generator and server to separate CPUs when there are enough. */
  pin?: boolean;
  /** Live servers of the other targets between slices: stopped (default), moved to the generator's CPU, or left alone. */
  park?: 'stop' | 'move' | 'off';
  /** Every movable IRQ on the generator's CPU for the run (root; restored after). */
  steerIrqs?: boolean;
  byoTargets?: ByoTargetSpec[];
  expectations?: Expectation[];
  untilStable: boolean;
  maxRounds?: number;
  /** Wall-time bound of --until-stable in minutes (the planned rounds always run). */
  maxMinutes?: number;
  /** Windows per target per round (the generator alternates between the servers). */
  slices?: number;
  /** Windows mode (ms per window, 0 = off): one generator drives the cell's servers in turn (bench/lab/windows.js). */
  windowMs?: number;
  /** HTTP cells over TLS (HTTPS). */
  tls?: boolean;
  generatorThreads?: number;
  idleConnections?: number;
  list: boolean;
  help: boolean;
}

export const BENCH_FLAGS: FlagSpecs = {
  preset: { kind: 'string', value: 'NAME', help: 'default | echo | http | goim | broadcast | websocket | tls | cluster | accept | flags | idle | aa (default: default)' },
  config: { kind: 'string', value: 'FILE', help: 'a JSON matrix file (see bench/README.md); flags override it' },
  targets: { kind: 'string', value: 'LIST', help: "e.g. ringnet-epoll,ringnet-io_uring,node:net or 'ringnet-epoll:{\"workers\":2}'" },
  target: { kind: 'repeat', value: 'NAME=CMD', help: "bring your own server, e.g. 'bun=bun my-server.js {port}' ('NAME@http,goim=...' limits its workloads); repeatable" },
  expect: { kind: 'repeat', value: 'EXPR', help: "'[cpu|throughput|p99|memory ]A/B<=X[ @CELL]', e.g. 'ringnet-io_uring/ringnet-epoll<=0.9': met / missed / within noise; exit status 3 if missed, 4 if undecided; repeatable" },
  'until-stable': { kind: 'boolean', help: 'add rounds until every ratio is settled: spread or 95% CI width <= 5% (or --max-rounds / --max-minutes, reported)' },
  'max-rounds': { kind: 'string', value: 'N', help: 'cap of --until-stable (default 4 x --rounds, at least 8)' },
  'max-minutes': { kind: 'string', value: 'M', help: 'wall-time bound of --until-stable: no round is added that would end later (default 18)' },
  slices: { kind: 'string', value: 'N', help: 'windows per target per round, the generator alternating between the servers A B C C B A ... (default preset: 4; 1 = one window)' },
  'window-ms': { kind: 'string', value: 'MS', help: 'echo/goim cells: one long-lived generator drives the servers in turn, windows of MS ms, A B C C B A ... (0 = off: a generator per slice, as --slices)' },
  workload: { kind: 'string', value: 'LIST', help: 'echo | http | goim | websocket | tls-echo | broadcast | cluster | cluster-burst | idle (and plugged-in workloads)' },
  connections: { kind: 'string', value: 'LIST', help: 'connections per cell, e.g. 100,1000' },
  depth: { kind: 'string', value: 'LIST', help: 'frames in flight per connection, e.g. 1,16' },
  payload: { kind: 'string', value: 'LIST', help: 'payload bytes per frame, e.g. 64,4k' },
  'accept-mode': { kind: 'string', value: 'LIST', help: 'dispatch,reuseport,exclusive (ringnet targets)' },
  workers: { kind: 'string', value: 'N', help: 'reactor workers of ringnet targets' },
  reconnect: { kind: 'string', value: 'LIST', help: 'echoes per connection before it reconnects (0 = never): the connection rate' },
  pushes: { kind: 'string', value: 'LIST', help: 'broadcast workload: pushes per run (default 20)' },
  'http-generator': { kind: 'string', value: 'LIST', help: 'autocannon,wrk: HTTP load generators (wrk cells are skipped when it is not installed)' },
  'socket-flags': { kind: 'string', value: 'VARIANTS', help: "';'-separated serve flag sets, e.g. 'default;--no-delay=false;--cork;--sndbuf 4k'" },
  rounds: { kind: 'string', value: 'N', help: 'interleaved rounds (median and min-max are reported)' },
  duration: { kind: 'string', value: 'SECONDS', help: 'measured seconds per run' },
  warmup: { kind: 'string', value: 'SECONDS', help: 'unmeasured seconds before each window' },
  tls: { kind: 'boolean', help: 'HTTP cells over TLS (HTTPS, reference node:https; the tls preset has them all)' },
  quick: { kind: 'boolean', help: 'a short smoke run (1 round, short windows, smaller matrix): under a minute' },
  baseline: { kind: 'string', value: 'TARGET', help: 'target the ratios are taken against' },
  out: { kind: 'string', value: 'DIR', help: 'results directory (default bench/results)' },
  name: { kind: 'string', value: 'NAME', help: 'file name stem of the results (default <preset>-<timestamp>)' },
  progress: { kind: 'boolean', help: 'progress bar on stderr (default: when stderr is a terminal)' },
  pin: { kind: 'boolean', help: 'generator on the last CPU, server on the others (taskset); default: on with 2+ CPUs' },
  park: { kind: 'string', value: 'MODE', help: "between slices, the other targets' live servers: stop (SIGSTOP, default) | move (to the generator's CPU) | off" },
  'steer-irqs': { kind: 'boolean', help: "every movable IRQ on the generator's CPU during the run, restored after (needs root)" },
  'generator-threads': { kind: 'string', value: 'N', help: 'threads of the native generator (default 1)' },
  'idle-connections': { kind: 'string', value: 'N', help: 'connections of the idle-memory workload (default 10000)' },
  list: { kind: 'boolean', help: 'list presets, targets and workloads' },
  help: { kind: 'boolean', help: 'show this help' },
};

const ACCEPT_MODES = ['dispatch', 'reuseport', 'exclusive'] as const;

/** "name" or "name:{json options}". */
export function parseTargetSpec(text: string): TargetSpec {
  const brace = text.indexOf('{');
  if (brace < 0) return { name: text };
  if (text[brace - 1] !== ':') throw new UsageError(`expects NAME or NAME:{json}, got '${text}'`, '--targets');
  const name = text.slice(0, brace - 1);
  let options: unknown;
  try {
    options = JSON.parse(text.slice(brace));
  } catch (e) {
    throw new UsageError(`options of '${name}' are not valid JSON (${(e as Error).message})`, '--targets');
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new UsageError(`options of '${name}' must be a JSON object`, '--targets');
  }
  return { name, options: options as Record<string, unknown>, label: text };
}

/** "default;--no-delay=false;--sndbuf 4k --rcvbuf 4k": each set is checked by the serve parser. */
export function parseSocketFlagVariants(text: string): SocketFlagVariant[] {
  const sets = text.split(';').map((s) => s.trim());
  if (sets.some((s) => s === '')) throw new UsageError(`empty variant in '${text}'`, '--socket-flags');
  return sets.map((set) => {
    if (set === 'default') return { name: 'default', connection: {} };
    const argv = set.split(/\s+/);
    let cfg;
    try {
      cfg = parseServeArgs(argv);
    } catch (e) {
      if (e instanceof UsageError) throw new UsageError(`in '${set}': ${e.message}`, '--socket-flags');
      throw e;
    }
    const keys = Object.keys(cfg.options).filter((k) => k !== 'framing');
    if (keys.some((k) => k !== 'connection')) {
      throw new UsageError(`'${set}' sets more than socket options of accepted connections`, '--socket-flags');
    }
    return { name: set, connection: cfg.options.connection ?? {} };
  });
}

/** 'name=command {port}' or 'name@w1,w2=command {port}'. */
export function parseByoTarget(text: string): ByoTargetSpec {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`expects 'NAME=COMMAND {port}', got '${text}'`, '--target');
  const [name = '', list] = text.slice(0, eq).split('@');
  if (!/^[\w.:-]+$/.test(name)) throw new UsageError(`target name '${name}': use letters, digits, '.', ':', '-' and '_'`, '--target');
  const command = text.slice(eq + 1).trim();
  if (!command) throw new UsageError(`'${name}' has no command`, '--target');
  if (!command.includes('{port}')) throw new UsageError(`the command of '${name}' must contain {port} (the lab gives the port)`, '--target');
  const spec: ByoTargetSpec = { name, command };
  if (list !== undefined) {
    const ws = list.split(',').map((w) => w.trim());
    if (ws.some((w) => !/^[\w-]+$/.test(w))) throw new UsageError(`bad workload list '${list}'`, '--target');
    spec.workloads = ws;
  }
  return spec;
}

/** '[cpu|throughput|p99|memory ]A/B OP X[ @CELL]'. */
export function parseExpectation(text: string): Expectation {
  const m = /^\s*(?:(cpu|throughput|p99|memory)\s+)?([^\s/<>=@]+)\s*\/\s*([^\s/<>=@]+)\s*(<=|>=|<|>)\s*([0-9]*\.?[0-9]+)\s*(?:@\s*(\S+))?\s*$/.exec(text);
  if (!m) throw new UsageError(`expects e.g. 'ringnet-io_uring/ringnet-epoll<=0.9' or 'throughput A/B>=1.2 @http-c100-d1', got '${text}'`, '--expect');
  const [, fig = 'cpu', a = '', b = '', op, value, cell] = m;
  if (a === b) throw new UsageError(`compares '${a}' with itself`, '--expect');
  const v = Number(value);
  if (!(v > 0)) throw new UsageError(`the bound must be above 0, got ${value}`, '--expect');
  return { text: text.trim(), figure: EXPECT_FIGURES[fig as keyof typeof EXPECT_FIGURES], a, b, op: op as Expectation['op'], value: v,
    ...(cell ? { cell } : {}) };
}

export function parseBenchArgs(argv: readonly string[]): BenchRequest {
  const { values, positionals } = parseFlags(argv, BENCH_FLAGS);
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const str = (k: string): string | undefined => values.get(k) as string | undefined;
  const list = <T>(k: string, f: (flag: string, s: string) => T): T[] | undefined => {
    const v = str(k);
    return v === undefined ? undefined : splitTopLevel(`--${k}`, v).map((s) => f(`--${k}`, s));
  };
  const req: BenchRequest = {
    quick: (values.get('quick') as boolean | undefined) ?? false,
    progress: (values.get('progress') as boolean | undefined) ?? Boolean(process.stderr.isTTY),
    untilStable: (values.get('until-stable') as boolean | undefined) ?? false,
    list: (values.get('list') as boolean | undefined) ?? false,
    help: (values.get('help') as boolean | undefined) ?? false,
  };
  const maybe = <K extends keyof BenchRequest>(k: K, v: BenchRequest[K] | undefined): void => {
    if (v !== undefined) req[k] = v;
  };
  maybe('pin', values.get('pin') as boolean | undefined);
  maybe('tls', values.get('tls') as boolean | undefined);
  maybe('steerIrqs', values.get('steer-irqs') as boolean | undefined);
  const park = str('park');
  if (park !== undefined) req.park = toChoice('--park', park, ['stop', 'move', 'off'] as const);
  const repeated = (k: string): string[] => (values.get(k) as string[] | undefined) ?? [];
  if (values.has('target')) {
    req.byoTargets = repeated('target').map(parseByoTarget);
    const names = req.byoTargets.map((t) => t.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw new UsageError(`'${dup}' is given twice`, '--target');
  }
  if (values.has('expect')) req.expectations = repeated('expect').map(parseExpectation);
  maybe('preset', str('preset'));
  maybe('configFile', str('config'));
  if (req.preset !== undefined && req.configFile !== undefined) throw new UsageError('give --preset or --config, not both', '--config');
  maybe('targets', list('targets', (_f, s) => parseTargetSpec(s)));
  maybe('workloads', list('workload', (_f, s) => s));
  const ints = (k: string, opts: Parameters<typeof toIntList>[2]): number[] | undefined => {
    const v = str(k);
    return v === undefined ? undefined : toIntList(`--${k}`, v, opts);
  };
  maybe('connections', ints('connections', { min: 1, max: 1_000_000 }));
  maybe('depth', ints('depth', { min: 1, max: 65536 }));
  maybe('payload', ints('payload', { min: 0, max: 16 * 1024 * 1024, sizes: true }));
  maybe('reconnect', ints('reconnect', { min: 0 }));
  maybe('pushes', ints('pushes', { min: 1, max: 100_000 }));
  maybe('acceptModes', list('accept-mode', (f, s) => toChoice(f, s, ACCEPT_MODES)));
  maybe('httpGenerators', list('http-generator', (f, s) => toChoice(f, s, ['autocannon', 'wrk'] as const)));
  const one = (k: string, opts: Parameters<typeof toInt>[2]): number | undefined => {
    const v = str(k);
    return v === undefined ? undefined : toInt(`--${k}`, v, opts);
  };
  maybe('workers', one('workers', { min: 1, max: 256 }));
  maybe('rounds', one('rounds', { min: 1, max: 1000 }));
  maybe('generatorThreads', one('generator-threads', { min: 1, max: 256 }));
  maybe('idleConnections', one('idle-connections', { min: 1, max: 1_000_000 }));
  maybe('maxRounds', one('max-rounds', { min: 1, max: 1000 }));
  if (req.maxRounds !== undefined && !req.untilStable) throw new UsageError('only applies with --until-stable', '--max-rounds');
  maybe('slices', one('slices', { min: 1, max: 64 }));
  maybe('windowMs', one('window-ms', { min: 0, max: 60000 }));
  const secs = (k: string, min: number): number | undefined => {
    const v = str(k);
    return v === undefined ? undefined : toNumber(`--${k}`, v, { min, max: 3600 });
  };
  maybe('duration', secs('duration', 0.1));
  const minutes = str('max-minutes');
  if (minutes !== undefined) req.maxMinutes = toNumber('--max-minutes', minutes, { min: 0.1, max: 1440 });
  if (req.maxMinutes !== undefined && !req.untilStable) throw new UsageError('only applies with --until-stable', '--max-minutes');
  maybe('warmup', secs('warmup', 0));
  if (values.has('socket-flags')) req.socketFlags = parseSocketFlagVariants(str('socket-flags') as string);
  maybe('baseline', str('baseline'));
  maybe('outDir', str('out'));
  const name = str('name');
  if (name !== undefined && !/^[\w.-]+$/.test(name)) throw new UsageError('use letters, digits, ".", "-" and "_" only', '--name');
  maybe('name', name);
  return req;
}
