'use strict';
// Turns a request (flags of `ringnet bench`) into a plan: the preset or JSON file, with the
// flags applied, expanded into cells (one parameter combination of one workload) and the
// targets that run in each (the matrix entry's, plus optional plugged-in targets that serve the
// workload, plus brought-along --target servers). Names are checked against bench/targets and
// bench/workloads, expectations against the targets of the run.
const fs = require('node:fs');
const path = require('node:path');
const { PRESETS, QUICK } = require('./presets');
const { findTarget, TARGETS } = require('../targets');
const { findWorkload, WORKLOADS, portWorkloads } = require('../workloads');
const { SLICE_WARMUP_SEC } = require('./slices');

const DIST_CLI = path.join(__dirname, '..', '..', 'dist', 'cli');
const { UsageError } = require(path.join(DIST_CLI, 'args.js'));
const { parseTargetSpec, parseSocketFlagVariants } = require(path.join(DIST_CLI, 'bench-args.js'));

const LIST_PARAMS = ['connections', 'depth', 'payload', 'reconnect', 'acceptMode', 'socketFlags', 'generator', 'newConnection', 'heartbeatEvery', 'pushes', 'protocol', 'tls', 'nodes'];
// exactTargets: the entry's targets only (no optional ones added: the A/A preset's two).
const ENTRY_KEYS = ['workload', 'targets', ...LIST_PARAMS, 'echoWrites', 'workers', 'inlineWorker', 'exactTargets'];
const PLAN_KEYS = ['description', 'rounds', 'warmup', 'duration', 'slices', 'windowMs', 'baseline', 'pairs', 'compareVariants', 'matrix', 'expect'];
const { parseExpectation } = require(path.join(DIST_CLI, 'bench-args.js'));
/** --until-stable's default cap: 4 x the planned rounds, at least 8. */
const defaultMaxRounds = (rounds) => Math.max(8, 4 * rounds);
/** --until-stable's default wall-time bound in minutes: the planned rounds always run, added ones stop before it. */
const DEFAULT_MAX_MINUTES = 18;

function loadConfig(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${e.message}`, '--config');
  }
  let cfg;
  try {
    cfg = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file} is not valid JSON (${e.message})`, '--config');
  }
  if (!cfg || typeof cfg !== 'object' || !Array.isArray(cfg.matrix) || !cfg.matrix.length) {
    throw new UsageError(`${file} needs a non-empty "matrix" array`, '--config');
  }
  for (const k of Object.keys(cfg)) if (!PLAN_KEYS.includes(k)) throw new UsageError(`${file}: unknown key "${k}"`, '--config');
  for (const e of cfg.matrix) {
    for (const k of Object.keys(e)) if (!ENTRY_KEYS.includes(k)) throw new UsageError(`${file}: unknown matrix key "${k}"`, '--config');
  }
  return cfg;
}

const asList = (v) => (v === undefined ? [undefined] : Array.isArray(v) ? v : [v]);

function normalizeTargets(list, where) {
  return list.map((t) => {
    let spec = typeof t === 'string' ? parseTargetSpec(t) : t;
    // "ringnet:{...}" (the old bench/echo.js syntax): ringnet-epoll, options may set the backend.
    if (spec.name === 'ringnet') spec = { ...spec, name: 'ringnet-epoll' };
    const target = findTarget(spec.name);
    if (!target) {
      throw new UsageError(`unknown target '${spec.name}' (known: ${TARGETS.map((x) => x.name).join(', ')})`, where);
    }
    const invalid = target.validate ? target.validate(spec.options || {}) : null;
    if (invalid) throw new UsageError(`${spec.label || spec.name}: ${invalid}`, where);
    return { ...spec, label: spec.label || spec.name };
  });
}

function normalizeVariants(list) {
  return list.map((v) => (typeof v === 'string' ? parseSocketFlagVariants(v)[0] : v));
}

/** The plan: { name, preset, rounds, warmup, duration, baseline, pairs, cells, ... }. */
function buildPlan(req) {
  const presetName = req.configFile ? undefined : (req.preset || 'default');
  if (presetName && !PRESETS[presetName]) {
    throw new UsageError(`unknown preset '${presetName}' (known: ${Object.keys(PRESETS).join(', ')})`, '--preset');
  }
  const base = req.configFile ? loadConfig(req.configFile) : PRESETS[presetName];
  let matrix = base.matrix.map((e) => ({ ...e }));
  if (req.workloads) {
    for (const w of req.workloads) {
      if (!findWorkload(w)) throw new UsageError(`unknown workload '${w}' (known: ${WORKLOADS.map((x) => x.name).join(', ')})`, '--workload');
    }
    const kept = matrix.filter((e) => req.workloads.includes(e.workload));
    const missing = req.workloads.filter((w) => !kept.some((e) => e.workload === w));
    matrix = [...kept, ...missing.map((w) => ({ workload: w }))];
  }
  const over = { targets: req.targets, connections: req.connections, depth: req.depth, payload: req.payload,
    reconnect: req.reconnect, acceptMode: req.acceptModes, socketFlags: req.socketFlags, workers: req.workers,
    generator: req.httpGenerators, pushes: req.pushes };
  // --tls: the HTTP entries over TLS, with the HTTPS reference in place of node:http.
  if (req.tls) {
    if (!matrix.some((x) => x.workload === 'http')) throw new UsageError('applies to HTTP cells: this run has none', '--tls');
    for (const e of matrix.filter((x) => x.workload === 'http')) {
      e.tls = [true];
      if (!req.targets && e.targets) e.targets = e.targets.map((t) => (t === 'node:http' ? 'node:https' : t)).filter((t) => t !== 'c-limit');
    }
  }
  for (const e of matrix) {
    for (const [k, v] of Object.entries(over)) if (v !== undefined) e[k] = v;
    if (req.quick) quickTrim(e, req);
    if (e.workload === 'idle' && (req.idleConnections || req.quick)) e.connections = [req.idleConnections || QUICK.idleConnections];
  }

  const cells = [];
  for (const e of matrix) {
    const workload = findWorkload(e.workload);
    if (!workload) throw new UsageError(`unknown workload '${e.workload}'`, req.configFile ? '--config' : '--preset');
    const targets = normalizeTargets(e.targets || defaultTargets(e.workload), '--targets');
    const variants = e.socketFlags ? normalizeVariants(asList(e.socketFlags)) : [undefined];
    if (!req.targets && !e.exactTargets) targets.push(...optionalTargets(e.workload, targets));
    targets.push(...byoFor(e.workload, req.byoTargets, targets));
    for (const connections of asList(e.connections)) for (const depth of asList(e.depth)) for (const payload of asList(e.payload))
    for (const reconnect of asList(e.reconnect)) for (const acceptMode of asList(e.acceptMode)) for (const socketFlags of variants)
    for (const generator of asList(e.generator)) for (const newConnection of asList(e.newConnection))
    for (const heartbeatEvery of asList(e.heartbeatEvery)) for (const pushes of asList(e.pushes)) for (const protocol of asList(e.protocol))
    for (const tls of asList(e.tls)) for (const nodes of asList(e.nodes)) {
      const cell = { workload: e.workload, ...workload.defaults };
      const given = { connections, depth, payload, reconnect, acceptMode, socketFlags, generator, newConnection, heartbeatEvery, pushes, protocol, tls, nodes,
        echoWrites: e.echoWrites, workers: e.workers, inlineWorker: e.inlineWorker };
      for (const [k, v] of Object.entries(given)) if (v !== undefined) cell[k] = v;
      for (const k of Object.keys(cell)) if (!(k in workload.defaults) && !['workload', 'acceptMode', 'socketFlags', 'workers', 'inlineWorker'].includes(k)) delete cell[k];
      cell.group = workload.label(cell) + (cell.acceptMode ? `-${cell.acceptMode}` : '') + (cell.workers > 1 ? `-w${cell.workers}` : '');
      cell.variant = cell.socketFlags ? cell.socketFlags.name : undefined;
      cell.id = cell.group + (cell.variant && cell.variant !== 'default' ? ` ${cell.variant}` : '');
      // An optional target joins only the cells it serves (c-limit: no TLS), when it says so.
      cell.targets = targets.filter((t) => !t.optional || !findTarget(t.name).serves || findTarget(t.name).serves(cell));
      // A workload may take its reference from the cell (WebSocket idle/broadcast cells: ws).
      const reference = workload.referenceFor ? workload.referenceFor(cell) : workload.reference;
      if (reference) cell.reference = reference;
      if (cells.some((c) => c.id === cell.id)) continue;
      cells.push(cell);
    }
  }
  if (!cells.length) throw new UsageError('the matrix is empty');
  for (const t of req.byoTargets || []) {
    if (!cells.some((c) => c.targets.some((x) => x.label === t.name))) {
      const offered = [...new Set(cells.map((c) => c.workload))].join(', ');
      throw new UsageError(`'${t.name}' serves none of this run's workloads (${offered})`, '--target');
    }
  }

  const targetNames = [...new Set(cells.flatMap((c) => c.targets.map((t) => t.label)))];
  const baseline = req.baseline ?? base.baseline;
  if (req.baseline !== undefined && !targetNames.includes(req.baseline)) {
    throw new UsageError(`'${req.baseline}' is not a target of this run (${targetNames.join(', ')})`, '--baseline');
  }
  const expectations = [...(base.expect || []).map((x) => parseExpectation(x)), ...(req.expectations || [])];
  for (const e of expectations) {
    for (const t of [e.a, e.b]) {
      if (!targetNames.includes(t)) throw new UsageError(`'${t}' in '${e.text}' is not a target of this run (${targetNames.join(', ')})`, '--expect');
    }
    if (!cells.some((c) => c.targets.some((x) => x.label === e.a) && c.targets.some((x) => x.label === e.b) && (!e.cell || c.id.startsWith(e.cell)))) {
      throw new UsageError(`no cell of this run has both ${e.a} and ${e.b}${e.cell ? ` and starts with '${e.cell}'` : ''}`, '--expect');
    }
  }
  const rounds = req.rounds ?? (req.quick ? QUICK.rounds : base.rounds ?? 3);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d+Z$/, 'Z');
  return {
    name: req.name || `${presetName || path.basename(req.configFile, '.json')}${req.quick ? '-quick' : ''}-${stamp}`,
    preset: presetName || null,
    configFile: req.configFile || null,
    description: base.description || '',
    quick: req.quick,
    rounds,
    warmup: req.warmup ?? (req.quick ? QUICK.warmup : base.warmup ?? 1),
    duration: req.duration ?? (req.quick ? QUICK.duration : base.duration ?? 4),
    baseline: targetNames.includes(baseline) ? baseline : null,
    pairs: (base.pairs || []).filter(([a, b]) => targetNames.includes(a) && targetNames.includes(b)),
    compareVariants: base.compareVariants || null,
    expectations,
    untilStable: Boolean(req.untilStable),
    maxRounds: req.untilStable ? Math.max(rounds, req.maxRounds ?? defaultMaxRounds(rounds)) : rounds,
    maxMinutes: req.untilStable ? req.maxMinutes ?? DEFAULT_MAX_MINUTES : null,
    // Windows per target per round (lab/slices.js); 1 = one window per run, as --quick keeps.
    slices: req.slices ?? (req.quick ? 1 : base.slices ?? 1),
    // Windows mode (lab/windows.js): ms per window, 0 = off (cells it does not serve use slices).
    windowMs: req.windowMs ?? (req.quick ? 0 : base.windowMs ?? 0),
    generatorThreads: req.generatorThreads || 1,
    pin: req.pin,
    // Between slices, the live servers not being measured: stopped (SIGSTOP), moved to the
    // generator's CPU, or left alone (lab/isolation.js).
    park: req.park || 'stop',
    steerIrqs: Boolean(req.steerIrqs),
    cells,
  };
}

/** --quick: the smallest connection count and the first payload of a matrix entry (flags given win). */
function quickTrim(e, req) {
  if (Array.isArray(e.connections) && e.workload !== 'idle') e.connections = [Math.min(...e.connections)];
  if (e.workload === 'cluster-burst' && !req.pushes) e.pushes = [5000];
  if (e.workload === 'broadcast' || e.workload === 'cluster') {
    if (!req.connections) e.connections = [Math.min(2000, ...asList(e.connections).filter(Number.isFinite))];
    if (!req.pushes) e.pushes = [10];
  }
  if (Array.isArray(e.payload)) e.payload = [e.payload[0]];
}

function defaultTargets(workload) {
  // Ad-hoc targets (ringnet-at: another checkout) run only when named.
  return TARGETS.filter((t) => !t.adHoc && t.workloads.includes(workload)).map((t) => t.name);
}

/** Plugged-in targets marked optional (e.g. a C reference) that serve this workload. */
function optionalTargets(workload, present) {
  return TARGETS.filter((t) => t.optional && t.workloads.includes(workload) && !present.some((p) => p.name === t.name))
    .map((t) => ({ name: t.name, label: t.name, optional: true }));
}

/** Brought-along targets that serve this workload (all bare-port workloads unless they name theirs). */
function byoFor(workload, byo, present) {
  const out = [];
  for (const t of byo || []) {
    if (findTarget(t.name) || present.some((p) => p.label === t.name)) throw new UsageError(`'${t.name}' is already a target name`, '--target');
    for (const w of t.workloads || []) {
      if (!findWorkload(w)) throw new UsageError(`unknown workload '${w}' for '${t.name}' (known: ${WORKLOADS.map((x) => x.name).join(', ')})`, '--target');
      if (!portWorkloads().includes(w)) throw new UsageError(`'${w}' needs the lab's own server protocol, not a bare port`, '--target');
    }
    const serves = t.workloads ? t.workloads.includes(workload) : portWorkloads().includes(workload);
    if (serves) out.push({ name: t.name, label: t.name, byo: { command: t.command, workloads: t.workloads } });
  }
  return out;
}

/**
 * Windows per target per round of a cell: the plan's slices where the workload can measure one
 * server repeatedly (`sliceable`), each at least the workload's `minSliceSec` (wrk counts whole
 * seconds), else 1.
 */
function cellSlices(plan, cell) {
  const w = findWorkload(cell.workload);
  if (!w || !w.sliceable || !(plan.slices > 1)) return 1;
  return Math.max(1, Math.min(plan.slices, Math.floor(plan.duration / (w.minSliceSec || 0.25))));
}

/** Seconds the plan should take (windows plus ~0.8 s of start-up per run, ~0.1 s per extra slice). */
function estimateSeconds(plan) {
  const { windowed } = require('./windows');
  const idle = plan.cells.filter((c) => c.workload === 'idle').reduce((n, c) => n + c.targets.length * (3 + c.connections / 2000), 0);
  const perRound = plan.cells.reduce((s, c) => {
    const extra = windowed(plan, c) ? 0.5 : (cellSlices(plan, c) - 1) * (SLICE_WARMUP_SEC + 0.1);
    return s + c.targets.length * (plan.warmup + plan.duration + 0.8 + extra);
  }, 0);
  return perRound * plan.rounds + idle * plan.rounds;
}

module.exports = { buildPlan, estimateSeconds, cellSlices, DEFAULT_MAX_MINUTES };
