/**
 * Child-process scenarios for test/process.test.ts, run as
 *   node test/support/process-fixture.cjs <scenario> '<server options JSON>'
 * against the BUILT library (dist/index.js). Each scenario prints what it did
 * (one line per step) and must let the process exit by itself where it says so.
 */
'use strict';
const net = require('node:net');
const path = require('node:path');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
const { createServer } = require(path.join(__dirname, '..', '..', 'dist', 'index.js'));

const echo = { onFrame: (conn, frame) => conn.send(frame) };

function frame(text) {
  const body = Buffer.from(text);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length);
  return Buffer.concat([header, body]);
}

/** Connects, sends one frame and resolves with the echoed text (the socket stays open). */
function echoOnce(port, text) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let got = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (d) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 4 + text.length) resolve({ socket, text: got.subarray(4).toString() });
    });
    socket.write(frame(text));
  });
}

const scenarios = {
  /** Listen, echo, then close() from a handler: the process must exit by itself although the client stays connected. */
  async 'close-exits'(options) {
    const server = createServer(options, {
      onFrame(conn, f) {
        if (f.toString() !== 'close') return void conn.send(f);
        server.close().then(() => console.log('closed'));
      },
    });
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
    const { socket, text } = await echoOnce(port, 'hello');
    console.log(`echo ${text}`);
    socket.on('end', () => console.log('client saw end'));
    socket.write(frame('close'));
  },

  /** An unref()'d listening server does not keep the process alive. */
  async unref(options) {
    const server = createServer(options, echo);
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
    const { socket, text } = await echoOnce(port, 'before unref');
    console.log(`echo ${text}`);
    socket.destroy();
    server.unref();
    console.log('unref');
  },

  /** unref() then ref(): the listening server keeps the process alive again. */
  async ref(options) {
    const server = createServer(options, echo);
    await server.listen({ host: '127.0.0.1', port: 0 });
    server.unref();
    server.ref();
    console.log('ref');
  },

  /** A server inside a Worker echoes; after close() the worker exits by itself with code 0. */
  async 'worker-close'(options) {
    const worker = new Worker(__filename, { workerData: { role: 'server', options } });
    const port = await new Promise((resolve) => worker.once('message', resolve));
    const { socket, text } = await echoOnce(port, 'from worker');
    console.log(`echo ${text}`);
    socket.destroy();
    worker.postMessage('close');
    const code = await new Promise((resolve) => worker.once('exit', resolve));
    console.log(`worker exit ${code}`);
  },

  /** terminate() on a Worker whose server is listening with a client connected, twice. */
  async 'worker-terminate'(options) {
    for (const round of [1, 2]) {
      const worker = new Worker(__filename, { workerData: { role: 'server', options } });
      worker.on('error', (err) => console.log(`worker error ${err && err.message}`));
      const port = await new Promise((resolve) => worker.once('message', resolve));
      const { socket, text } = await echoOnce(port, `round ${round}`);
      console.log(`echo ${text}`);
      const clientClosed = new Promise((resolve) => socket.once('close', resolve));
      socket.on('error', () => {});
      await worker.terminate();
      await clientClosed;
      console.log(`terminated ${round}`);
    }
  },
};

function workerMain() {
  const server = createServer(workerData.options, echo);
  server.listen({ host: '127.0.0.1', port: 0 }).then(({ port }) => parentPort.postMessage(port));
  parentPort.on('message', (msg) => {
    if (msg !== 'close') return;
    parentPort.close(); // nothing but the server may keep this worker alive now
    server.close();
  });
}

if (!isMainThread && workerData && workerData.role === 'server') {
  workerMain();
} else {
  const [scenario, json] = process.argv.slice(2);
  const run = scenarios[scenario];
  if (!run) throw new Error(`unknown scenario ${scenario}`);
  run(JSON.parse(json || '{}')).catch((err) => {
    console.log(`failed: ${err && err.stack}`);
    process.exitCode = 2;
  });
}
