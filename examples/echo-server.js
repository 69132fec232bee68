#!/usr/bin/env node
// The demo: an echo server on a length-prefixed protocol (4-byte big-endian
// length, then the payload). Every frame a client sends comes back to it.
//
//   PORT=7000 HOST=127.0.0.1 WORKERS=2 ACCEPT_MODE=reuseport BACKEND=auto npm start
//
// Try it:  node examples/echo-client.js 127.0.0.1 7000 "hello"
'use strict';

const { createServer } = require('..');

const env = process.env;
const options = {
  framing: { type: 'length' },
  backend: env.BACKEND || 'auto',
  acceptMode: env.ACCEPT_MODE || 'dispatch',
  connection: { noDelay: true },
};
if (env.WORKERS) options.workers = Number(env.WORKERS);
if (env.INLINE_WORKER) options.inlineWorker = env.INLINE_WORKER !== '0';

const server = createServer(options, {
  onFrame(conn, frame) {
    conn.send(frame); // send() copies the frame and re-adds the 4-byte header
  },
  onError(err, conn) {
    console.error(`error${conn ? ` on connection ${conn.id}` : ''}:`, err.message);
  },
});

async function main() {
  const address = await server.listen({ port: Number(env.PORT || 7000), host: env.HOST || '127.0.0.1' });
  const workers = server.stats().workers.length;
  console.log(
    `ringnet echo server listening on ${address.address}:${address.port} ` +
      `(backend ${server.backend}, ${workers} worker${workers === 1 ? '' : 's'}, accept mode ${options.acceptMode})`,
  );
  if (server.backendFallbackReason) console.log(`epoll, not io_uring: ${server.backendFallbackReason}`);
  console.log('protocol: 4-byte big-endian length + payload; Ctrl-C stops it gracefully');

  // Graceful shutdown: stop accepting, flush what is queued, FIN, then exit.
  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing (${server.stats().connections} open connections)`);
    await server.close({ timeout: 5000 });
    const s = server.stats();
    console.log(`closed: ${s.framesIn} frames in, ${s.framesOut} frames out`);
    process.exit(0);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
