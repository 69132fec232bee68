'use strict';
// What every ringnet target shares. The echo/idle server is `ringnet serve --json` (src/cli),
// started with the cell's options as --options JSON, so the lab measures exactly what the CLI
// serves; HTTP, goim, broadcast and WebSocket run the small handler scripts in bench/servers/
// (the same handlers as their node and ws references), with the cell's options as JSON.
const fs = require('node:fs');
const path = require('node:path');
const { labCerts, isTlsCell } = require('../../workloads/shared/tls-certs');

const ROOT = path.join(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const SERVERS = path.join(__dirname, '..', '..', 'servers');

/** true, or why ringnet targets cannot run (dist/ missing, backend refused by the kernel). */
function ringnetAvailable(backend, root = ROOT) {
  if (!fs.existsSync(path.join(root, 'dist', 'cli', 'main.js'))) return `${path.join(root, 'dist')} missing: run \`npm run build\` first`;
  if (backend !== 'io_uring') return true;
  try {
    const { native } = require(path.join(root, 'dist', 'native.js'));
    const ok = native.backendAvailable(1);
    return ok === true ? true : `io_uring unavailable: ${ok}`;
  } catch (e) {
    return `cannot load the addon: ${e.message}`;
  }
}

/** Server options every workload takes from its cell (workers, accept mode, socket flags). */
function cellOptions(cell, backend) {
  return {
    backend,
    workers: cell.workers ?? 1,
    ...(cell.inlineWorker !== undefined ? { inlineWorker: cell.inlineWorker } : {}),
    ...(cell.acceptMode ? { acceptMode: cell.acceptMode } : {}),
    ...(cell.socketFlags && Object.keys(cell.socketFlags.connection).length ? { connection: cell.socketFlags.connection } : {}),
    // HTTPS, TLS echo and idle TLS cells: the lab's certificate (files; createServer reads them).
    ...(isTlsCell(cell) ? { tls: { key: labCerts().key, cert: labCerts().cert } } : {}),
  };
}

const SCRIPTS = { http: 'ringnet-http.js', goim: 'ringnet-goim.js', broadcast: 'ringnet-broadcast.js', websocket: 'ringnet-websocket.js',
  cluster: 'ringnet-cluster.js', 'cluster-burst': 'ringnet-cluster-burst.js' };

/** The server script of a cell: WebSocket cells of any workload (idle, broadcast) run ringnet-websocket.js. */
function scriptOf(cell) {
  return cell.protocol === 'websocket' ? SCRIPTS.websocket : SCRIPTS[cell.workload];
}

/**
 * The server of one cell from the checkout at `root` (this one by default): `ringnet serve
 * --json` for echo/idle, else that checkout's bench/servers/ script for the workload.
 */
function serverFor(root, backend, cell, extra = {}) {
  const options = { ...cellOptions(cell, backend), ...extra };
  if (scriptOf(cell)) {
    const script = path.join(root, 'bench', 'servers', scriptOf(cell));
    if (!fs.existsSync(script)) return { skip: `${script} missing (that checkout predates the ${cell.workload} workload)` };
    if (cell.workload === 'broadcast' || cell.workload === 'cluster') options.expect = cell.connections;
    if (cell.workload === 'cluster') options.nodes = cell.nodes;
    if (cell.workload === 'cluster-burst') options.burst = cell.pushes;
    return { args: [script, '0', '127.0.0.1', JSON.stringify(options)] };
  }
  return serveArgs(path.join(root, 'dist', 'cli', 'main.js'), backend, cell, extra);
}

/** `ringnet serve` argv of one cell, from the CLI at `cli`; it answers "stats". */
function serveArgs(cli, backend, cell, extra = {}) {
  const args = [cli, 'serve', '--port', '0', '--host', '127.0.0.1', '--json', '--options',
    JSON.stringify({ framing: { type: 'length' }, ...cellOptions(cell, backend), ...extra })];
  if (cell.echoWrites === 2) args.push('--echo-writes', '2');
  return { args, stats: true };
}

const WORKLOADS = ['echo', 'idle', 'http', 'goim', 'broadcast', 'websocket', 'tls-echo', 'cluster', 'cluster-burst'];

/** A ringnet target on one backend, serving every workload the lab has a ringnet server for. */
function ringnetTarget({ name, backend, description, workloads = WORKLOADS }) {
  return {
    name,
    description,
    workloads,
    stats: true,   // where the server is `ringnet serve --json` (echo, idle): server() says so per cell
    available: () => ringnetAvailable(backend),
    server: (cell, extra = {}) => serverFor(ROOT, backend, cell, extra),
  };
}

/**
 * ringnet's own length-framed echo (`ringnet serve`) inside the WebSocket cells: the same
 * connections, depth and payload with a 4-byte length prefix instead of WebSocket framing, so
 * what WebSocket adds (framing, masking) is measured in the same run (the generator speaks
 * `echoProtocol` to it).
 */
function ringnetLengthTarget({ name, backend }) {
  return {
    name,
    description: `ringnet ${backend}, length-framed echo (ringnet serve) in the WebSocket cells: what WebSocket framing adds`,
    workloads: ['websocket'],
    echoProtocol: 'length',
    stats: true,
    available: () => ringnetAvailable(backend),
    server: (cell, extra = {}) => (cell.workload === 'websocket' ? serveArgs(CLI, backend, cell, extra)
      : { skip: `${name} serves the WebSocket echo cells only` }),
  };
}

module.exports = { ringnetTarget, ringnetLengthTarget, ringnetAvailable, serverFor, serveArgs, WORKLOADS, CLI };
