'use strict';
// What every ringnet target shares: the server is `ringnet serve --json` (src/cli), started with
// the cell's options as --options JSON, so the lab measures exactly what the CLI serves.
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');

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

/**
 * A ringnet target on one backend. `workloads` lists what it serves; a later ringnet-http
 * target is the same shape with workloads ['http'] and its framing in serverOptions().
 */
function ringnetTarget({ name, backend, description, workloads = ['echo', 'idle'] }) {
  return {
    name,
    description,
    workloads,
    stats: true,
    available: () => ringnetAvailable(backend),
    /** node argv of the server for a cell (cell fields: workers, inlineWorker, acceptMode, socketFlags, echoWrites). */
    server(cell, extra = {}) {
      return serveArgs(CLI, backend, cell, extra);
    },
  };
}

/** `ringnet serve` argv of one cell, from the CLI at `cli`. */
function serveArgs(cli, backend, cell, extra) {
  const options = {
    framing: { type: 'length' },
    backend,
    workers: cell.workers ?? 1,
    ...(cell.inlineWorker !== undefined ? { inlineWorker: cell.inlineWorker } : {}),
    ...(cell.acceptMode ? { acceptMode: cell.acceptMode } : {}),
    ...(cell.socketFlags && Object.keys(cell.socketFlags.connection).length ? { connection: cell.socketFlags.connection } : {}),
    ...extra,
  };
  const args = [cli, 'serve', '--port', '0', '--host', '127.0.0.1', '--json', '--options', JSON.stringify(options)];
  if (cell.echoWrites === 2) args.push('--echo-writes', '2');
  return { args };
}

module.exports = { ringnetTarget, ringnetAvailable, serveArgs, CLI };
