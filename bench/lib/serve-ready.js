'use strict';
// What every lab server process does once its server is listening: print the
// ready line the runner waits for, and close (bounded) on SIGTERM / SIGINT.

/** @param {{ listen(o: object): Promise<{ port: number }>, close(o: object): Promise<void> }} server */
async function listenAndServe(server, port, host) {
  const addr = await server.listen({ port, host });
  process.stdout.write(JSON.stringify({ ready: true, port: addr.port, pid: process.pid }) + '\n');
  let closing = false;
  const stop = async () => {
    if (closing) return;
    closing = true;
    const timer = setTimeout(() => process.exit(0), 2000);   // do not hang the runner
    try { await server.close({ timeout: 500 }); } finally { clearTimeout(timer); process.exit(0); }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

module.exports = { listenAndServe };
