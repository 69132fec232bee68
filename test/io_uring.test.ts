/**
 * io_uring-specific behaviour that the shared suites do not reach: the
 * provided-buffer ring running dry under load, the forced-failure switch and
 * backend: 'auto', connections closed with sends and receives in flight (no
 * completion may reach a reused fd), and fd hygiene over 10,000 short-lived
 * connections. Skipped when io_uring is not available here.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createServer, InvalidOptionError, type Connection } from '../src/index';
import { native } from '../src/native';
import { blockFor, pattern, useHarness, withTimeout, writeAll } from './support/harness';
import { lengthFrame, readBytes, sleep, waitFor } from './support/net';

const available = native.backendAvailable(1) === true;
const VARIANTS = [
  { name: 'io_uring/inline', options: { backend: 'io_uring' as const, workers: 1, inlineWorker: true } },
  { name: 'io_uring/threads', options: { backend: 'io_uring' as const, workers: 2, inlineWorker: false } },
];

const fdCount = (): number => fs.readdirSync('/proc/self/fd').length;

/** Waits until the process's fd count is back to (at most) `baseline`. */
async function fdsBackTo(baseline: number, timeoutMs = 10_000): Promise<void> {
  await waitFor(() => fdCount() <= baseline, timeoutMs, `fd count back to ${baseline} (now ${fdCount()})`);
}

describe.skipIf(!available).each(VARIANTS)('io_uring backend ($name)', (variant) => {
  const h = useHarness();

  it('the provided-buffer ring runs dry (many connections, large bursts, slow handler): every byte arrives in order, nothing hangs', async () => {
    // 48 connections x 384 KiB = 18 MiB in flight against 8 provided buffers
    // of 4 KiB, while the handler blocks the JS thread now and then (inline:
    // the reactor too): recv keeps finding the ring empty (ENOBUFS).
    const conns = 48;
    const perConn = 384 * 1024;
    const received = new Map<number, Buffer[]>();
    const sizes = new Map<number, number>();
    let calls = 0;
    const { server, port } = await h.listen(
      { ...variant.options, framing: { type: 'raw' }, ioUring: { bufferCount: 8, bufferSize: 4096 } },
      {
        onFrame(c: Connection, chunk) {
          let list = received.get(c.id);
          if (!list) received.set(c.id, (list = []));
          list.push(Buffer.from(chunk));
          sizes.set(c.id, (sizes.get(c.id) ?? 0) + chunk.length);
          if (++calls % 64 === 0) blockFor(15);
        },
      },
    );
    const sockets = await Promise.all(Array.from({ length: conns }, () => h.connect(port)));
    // The server's view of each client: it learns the connection id from the first bytes.
    const payloads = sockets.map((_, i) => pattern(i + 1, perConn));
    await Promise.all(
      sockets.map((s, i) => {
        const p = payloads[i]!;
        const pieces: Buffer[] = [];
        for (let off = 0; off < p.length; off += 64 * 1024) pieces.push(p.subarray(off, off + 64 * 1024));
        return writeAll(s, pieces);
      }),
    );
    await withTimeout(
      waitFor(() => [...sizes.values()].reduce((a, b) => a + b, 0) === conns * perConn && sizes.size === conns, 60_000, 'all bytes'),
      65_000,
      'every byte',
    );
    // Each connection's bytes are one of the payloads, whole and in order.
    const expected = new Set(payloads.map((p) => p.toString('base64')));
    for (const list of received.values()) {
      const got = Buffer.concat(list);
      expect(got.length).toBe(perConn);
      expect(expected.has(got.toString('base64'))).toBe(true);
    }
    expect(server.stats().bytesIn).toBe(conns * perConn);
  });

  // With zero-copy on, the closes also race the kernel's notifications: held
  // chunks must outlive the connection (run under npm run test:asan too).
  it.each([0, 16 * 1024])('connections closed with sends and receives in flight (zeroCopyThreshold %i): every one reports onClose, nothing leaks, the server keeps serving', async (zeroCopyThreshold) => {
    const closes: string[] = [];
    const big = Buffer.alloc(256 * 1024, 0x61);
    let opened = 0;
    const { server, port } = await h.listen(
      { ...variant.options, framing: { type: 'length' }, ioUring: { zeroCopyThreshold } },
      {
        onOpen() {
          opened++;
        },
        onFrame(c, f) {
          if (f.toString() === 'ping') return void c.send(f);
          // Fill the socket: the client never reads, so a send stays in flight.
          if (f.toString() === 'fill') for (let i = 0; i < 8; i++) c.send(big);
        },
        onClose(_c, reason) {
          closes.push(reason);
        },
      },
    );
    await sleep(50);
    const baseline = fdCount();
    const n = 40;
    const clients: net.Socket[] = [];
    for (let i = 0; i < n; i++) {
      const s = await h.connect(port);
      s.pause(); // never read: the server's sends stay blocked in the kernel
      s.on('error', () => {});
      s.write(lengthFrame('fill'));
      // and keep sending, so receives are in flight as well
      s.write(Buffer.concat(Array.from({ length: 16 }, () => lengthFrame(Buffer.alloc(1000, 0x62)))));
      clients.push(s);
    }
    await waitFor(() => opened === n, 10_000, 'every connection opened');
    await sleep(100);
    const list = server.connections();
    expect(list).toHaveLength(n);
    // Half destroyed by the server (RST), a quarter closed gracefully (its
    // client then reads, so the output can drain: a graceful close waits for
    // that), a quarter reset by the client.
    const byId = new Map(list.map((c) => [c.remotePort, c]));
    clients.forEach((s, i) => {
      const c = byId.get(s.localPort!);
      if (!c) throw new Error('no server-side connection for a client');
      if (i % 4 < 2) c.destroy();
      else if (i % 4 === 2) {
        c.close();
        s.resume();
      } else s.resetAndDestroy();
    });
    await withTimeout(waitFor(() => closes.length === n, 20_000, 'every onClose'), 25_000, 'closes');
    expect(server.stats().connections).toBe(0);
    // The server still works.
    const probe = await h.connect(port);
    const echoed = new Promise<Buffer>((resolve) => probe.once('data', resolve));
    probe.write(lengthFrame('ping'));
    expect((await withTimeout(echoed, 5000, 'echo after the closes')).subarray(4).toString()).toBe('ping');
    probe.destroy();
    for (const s of clients) s.destroy();
    await fdsBackTo(baseline);
  });

  it('ioUring.sqpoll: a kernel thread polls the SQ while listening, and echo is byte-exact', async () => {
    const sqThreads = () =>
      fs.readdirSync('/proc/self/task').filter((t) => {
        try {
          return fs.readFileSync(`/proc/self/task/${t}/comm`, 'utf8').startsWith('iou-sqp');
        } catch {
          return false; // the thread exited between readdir and read
        }
      }).length;
    const before = sqThreads();
    const { server, port } = await h.listen(
      { ...variant.options, ioUring: { sqpoll: 200 } },
      { onFrame: (c, f) => void c.send(f) },
    );
    // The kernel thread names itself once it runs: give it a moment.
    await waitFor(() => sqThreads() - before === variant.options.workers, 5000, `${variant.options.workers} SQ threads`);
    const sockets = await Promise.all(Array.from({ length: 20 }, () => h.connect(port)));
    const frames = sockets.map((_, i) => Array.from({ length: 50 }, (_, j) => pattern(i * 100 + j, 1 + ((i * 37 + j * 101) % 3000))));
    const echoed = await Promise.all(
      sockets.map((s, i) => {
        const want = frames[i]!.reduce((n, f) => n + 4 + f.length, 0);
        const done = readBytes(s, want, 20_000);
        s.write(Buffer.concat(frames[i]!.map((f) => lengthFrame(f))));
        return done;
      }),
    );
    echoed.forEach((buf, i) => expect(buf.equals(Buffer.concat(frames[i]!.map((f) => lengthFrame(f))))).toBe(true));
    await server.close();
    await waitFor(() => sqThreads() === before, 5000, 'SQ threads gone after close');
  });

  it('ioUring.zeroCopyThreshold: large responses to slow readers arrive byte-exact and in order; small ones copy', async () => {
    // Responses of 8 KiB to 300 KiB, many queued per connection while the
    // clients read slowly: chunks the kernel still reads must never be reused.
    const { server, port } = await h.listen(
      { ...variant.options, ioUring: { zeroCopyThreshold: 16 * 1024 } },
      {
        onFrame(c, f) {
          const n = f.readUInt32BE(0);
          const size = f.readUInt32BE(4);
          c.send(pattern(n, size));
        },
      },
    );
    const clients = 12;
    const perClient = 24;
    const sizeOf = (i: number, j: number) => 8 * 1024 + ((i * 7919 + j * 104729) % (300 * 1024));
    const sockets = await Promise.all(Array.from({ length: clients }, () => h.connect(port)));
    const results = await Promise.all(
      sockets.map(async (s, i) => {
        const want = Array.from({ length: perClient }, (_, j) => lengthFrame(pattern(i * 1000 + j, sizeOf(i, j))));
        const total = want.reduce((a, b) => a + b.length, 0);
        s.pause(); // a slow reader: the server's queue and the kernel's buffers fill up
        const done = readBytes(s, total, 30_000);
        const req = Buffer.alloc(8);
        for (let j = 0; j < perClient; j++) {
          req.writeUInt32BE(i * 1000 + j, 0);
          req.writeUInt32BE(sizeOf(i, j), 4);
          s.write(lengthFrame(req));
        }
        await sleep(100);
        s.resume();
        return (await done).equals(Buffer.concat(want));
      }),
    );
    expect(results).toEqual(Array(clients).fill(true));
    expect(server.stats().framesOut).toBe(clients * perClient);
  });

  it('ioUring.zeroCopyThreshold over a Unix socket (no zero-copy there): copies instead, nothing lost', async () => {
    const sockPath = path.join(fs.mkdtempSync('/tmp/ringnet-zc-'), 's.sock');
    const server = createServer(
      { ...variant.options, ioUring: { zeroCopyThreshold: 1024 } },
      { onFrame: (c, f) => void c.send(f) },
    );
    await server.listen({ path: sockPath });
    try {
      const s = h.track(net.connect({ path: sockPath }));
      const payloads = Array.from({ length: 20 }, (_, i) => pattern(i, 4096 + i * 3000));
      const want = Buffer.concat(payloads.map((p) => lengthFrame(p)));
      const done = readBytes(s, want.length, 20_000);
      s.write(want);
      expect((await done).equals(want)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('10,000 short-lived connections: all served, the fd count goes back to its baseline', async () => {
    const { server, port } = await h.listen({ ...variant.options, framing: { type: 'length' } }, { onFrame: (c, f) => void c.send(f) });
    await sleep(50);
    const baseline = fdCount();
    const total = 10_000;
    const concurrency = 200;
    let next = 0;
    let served = 0;
    const one = (): Promise<void> =>
      new Promise((resolve, reject) => {
        const s = net.connect({ port, host: '127.0.0.1' });
        const i = next;
        s.once('connect', () => s.write(lengthFrame(`c${i}`)));
        let got = Buffer.alloc(0);
        s.on('data', (d: Buffer) => {
          got = Buffer.concat([got, d]);
          if (got.length >= 4 + `c${i}`.length) {
            if (got.subarray(4).toString() !== `c${i}`) reject(new Error(`bad echo on ${i}`));
            served++;
            // alternate graceful end and abrupt destroy
            if (i % 2 === 0) s.end();
            else s.destroy();
          }
        });
        s.on('close', () => resolve());
        s.on('error', reject);
      });
    const lanes = Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        await one();
      }
    });
    await withTimeout(Promise.all(lanes), 120_000, '10,000 connections');
    expect(served).toBe(total);
    await waitFor(() => server.stats().connections === 0, 10_000, 'server-side closes');
    expect(server.stats().workers.reduce((a, w) => a + w.accepted, 0)).toBe(total);
    await fdsBackTo(baseline);
    // Idle again: no thread spins on a completion flag or a poll fd.
    await sleep(100);
    const before = process.cpuUsage();
    await sleep(500);
    const used = process.cpuUsage(before);
    expect((used.user + used.system) / 1000, 'CPU ms used by the idle process in 500 ms').toBeLessThan(100);
  });
});

describe.skipIf(!available)('io_uring exclusive accept mode', () => {
  const h = useHarness();

  it('spreads connections over the rings (a multishot accept would keep them all on the first ring)', async () => {
    const { server, port } = await h.listen(
      { backend: 'io_uring', workers: 2, inlineWorker: false, acceptMode: 'exclusive' },
      { onFrame: (c, f) => void c.send(f) },
    );
    for (let i = 0; i < 60; i++) {
      const s = await h.connect(port);
      s.write(lengthFrame(`hi ${i}`));
      if (i % 10 === 9) await sleep(10);
    }
    await waitFor(() => server.stats().framesIn === 60, 10_000, 'every first frame');
    const perWorker = server.stats().workers.map((w) => w.connections);
    expect(perWorker[0]! + perWorker[1]!).toBe(60);
    expect(Math.min(...perWorker), `connections per worker: ${perWorker}`).toBeGreaterThanOrEqual(5);
  });
});

describe.skipIf(!available)('io_uring availability', () => {
  it('RINGNET_FORCE_IO_URING_FAILURE=1: io_uring throws BackendUnavailableError with the documented message; auto falls back to epoll', async () => {
    const script = `
      const { createServer } = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'index.js'))});
      const { native } = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'native.js'))});
      const out = { available: native.backendAvailable(1) };
      try { createServer({ backend: 'io_uring' }, {}); out.threw = false; }
      catch (e) { out.threw = true; out.name = e.name; out.code = e.code; out.message = e.message; }
      const auto = createServer({ backend: 'auto' }, { onFrame: (c, f) => c.send(f) });
      out.auto = auto.backend;
      out.reason = auto.backendFallbackReason;
      auto.listen({ host: '127.0.0.1', port: 0 }).then(({ port }) => {
        const s = require('node:net').connect(port, '127.0.0.1');
        s.on('data', (d) => { out.echo = d.subarray(4).toString(); s.destroy(); auto.close().then(() => console.log(JSON.stringify(out))); });
        const b = Buffer.from('\\0\\0\\0\\2hi', 'latin1'); s.write(b);
      });
    `;
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['-e', script], {
        env: { ...process.env, RINGNET_FORCE_IO_URING_FAILURE: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout.trim());
    const documented = 'io_uring disabled by RINGNET_FORCE_IO_URING_FAILURE=1 (test switch)';
    expect(out.available).toBe(documented);
    expect(out.threw).toBe(true);
    expect(out.name).toBe('BackendUnavailableError');
    expect(out.code).toBe('ERR_BACKEND_UNAVAILABLE');
    expect(out.message).toContain(documented);
    expect(out.auto).toBe('epoll');
    expect(out.reason).toBe(`io_uring backend unavailable: ${documented}`); // auto says why
    expect(out.echo).toBe('hi');
  });

  it('without the switch, auto picks io_uring here', () => {
    expect(native.backendAvailable(1)).toBe(true);
    const auto = createServer({ backend: 'auto' }, {});
    expect(auto.backend).toBe('io_uring');
    expect(auto.backendFallbackReason).toBeUndefined();
  });

  it('ioUring options are validated', () => {
    const bad = (ioUring: unknown, option: string) => {
      try {
        createServer({ backend: 'io_uring', ioUring } as never, {});
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidOptionError);
        expect((e as InvalidOptionError).option).toBe(option);
        return;
      }
      throw new Error(`ioUring ${JSON.stringify(ioUring)} was accepted`);
    };
    bad({ bufferCount: 3 }, 'ioUring.bufferCount');
    bad({ bufferCount: 65536 }, 'ioUring.bufferCount');
    bad({ bufferSize: 100 }, 'ioUring.bufferSize');
    bad({ entries: 1.5 }, 'ioUring.entries');
    bad({ sqpoll: 'yes' }, 'ioUring.sqpoll');
    bad({ sqpoll: 0 }, 'ioUring.sqpoll');
    bad({ zeroCopy: 1 }, 'ioUring.zeroCopy');
    bad({ zeroCopyThreshold: -1 }, 'ioUring.zeroCopyThreshold');
    bad({ zeroCopyThreshold: 1.5 }, 'ioUring.zeroCopyThreshold');
    bad('big', 'ioUring');
    expect(createServer({ backend: 'io_uring', ioUring: { entries: 64, bufferCount: 8, bufferSize: 4096 } }, {}).backend).toBe('io_uring');
  });
});
