/**
 * Connection and server lifecycle over real sockets: half-close in both
 * directions, destroy/close/reset, handler ordering, pause/resume, graceful
 * and timed-out server.close(), and how each accept mode spreads connections.
 */
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { CloseReason, Connection, Handlers } from '../src/index';
import { eventually, FrameReader, pattern, useHarness, withTimeout } from './support/harness';
import { lengthFrame, sleep, waitFor } from './support/net';
import { VARIANTS } from './support/variants';

interface Closed {
  reason: CloseReason;
  error: Error | undefined;
}

/** Handlers that log every call per connection, around optional behaviour. */
function recorder<T>(behaviour: Handlers<T> = {}) {
  const logs = new Map<number, string[]>();
  const closes = new Map<number, Closed>();
  const conns = new Map<number, Connection<T>>();
  const serverErrors: Error[] = [];
  const log = (c: Connection<T>, what: string) => {
    let l = logs.get(c.id);
    if (l === undefined) logs.set(c.id, (l = []));
    l.push(what);
  };
  const handlers: Handlers<T> = {
    onOpen(c) {
      conns.set(c.id, c);
      log(c, 'open');
      behaviour.onOpen?.(c);
    },
    onFrame(c, f) {
      log(c, `frame:${f.length > 32 ? `<${f.length} bytes>` : f.toString()}`);
      behaviour.onFrame?.(c, f);
    },
    onDrain(c) {
      log(c, 'drain');
      behaviour.onDrain?.(c);
    },
    onEnd(c, truncated) {
      log(c, 'end');
      behaviour.onEnd?.(c, truncated);
    },
    onClose(c, reason, error) {
      log(c, 'close');
      closes.set(c.id, { reason, error });
      behaviour.onClose?.(c, reason, error);
    },
    onError(err, c) {
      if (c !== undefined) log(c, `error:${err.message}`);
      else serverErrors.push(err);
      behaviour.onError?.(err, c);
    },
  };
  return {
    handlers,
    /** Server-level errors (onError without a connection). */
    serverErrors,
    logs,
    closes,
    conns,
    /** The log of the only connection (fails if there is not exactly one). */
    only(): string[] {
      expect(logs.size).toBe(1);
      return [...logs.values()][0] as string[];
    },
    onlyClose(): Closed | undefined {
      return [...closes.values()][0];
    },
    onlyConn(): Connection<T> {
      expect(conns.size).toBe(1);
      return [...conns.values()][0] as Connection<T>;
    },
  };
}

function frames(...texts: string[]): Buffer {
  return Buffer.concat(texts.map((t) => lengthFrame(t)));
}

/** Waits until the client socket closed and onClose fired for `count` connections, saying which side lags. */
function bothClosed(reader: FrameReader, rec: { closes: Map<number, Closed>; logs: Map<number, string[]> }, timeoutMs = 5000, count = 1) {
  return eventually(
    () => reader.closed && rec.closes.size === count,
    timeoutMs,
    () =>
      `client events [${reader.events.join(', ')}], onClose fired ${rec.closes.size}/${count} ` +
      `(server log: ${[...rec.logs.values()].map((l) => l.join(' ')).join(' | ')})`,
  );
}

function connectRefused(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(undefined);
    });
    s.once('error', (e: Error & { code?: string }) => resolve(e.code));
  });
}

describe.each(VARIANTS)('lifecycle ($name)', (variant) => {
  const h = useHarness();

  describe('half-close from the client', () => {
    it('allowHalfOpen: true — frames then onEnd; the server still sends after onEnd, then end() closes', async () => {
      const sentAfterEnd: boolean[] = [];
      const rec = recorder({
        onEnd(c) {
          sentAfterEnd.push(c.send('after-end'));
          setTimeout(() => {
            sentAfterEnd.push(c.send('later'));
            c.end();
          }, 50);
        },
      });
      const { port } = await h.listen({ ...variant.options, allowHalfOpen: true }, rec.handlers);
      const client = await h.connect(port);
      const reader = new FrameReader(client);
      client.write(frames('a', 'b'));
      client.end(frames('c'));

      await bothClosed(reader, rec);
      expect(rec.only()).toEqual(['open', 'frame:a', 'frame:b', 'frame:c', 'end', 'close']);
      expect(sentAfterEnd).toEqual([true, true]);
      expect(reader.texts()).toEqual(['after-end', 'later']);
      expect(reader.framesAtEnd).toBe(2); // both responses before the server's FIN
      expect(reader.error).toBeUndefined();
      expect(rec.onlyClose()?.error).toBeUndefined();
    });

    it('allowHalfOpen: false (default) — responses from onFrame/onEnd arrive, then the server ends by itself', async () => {
      let sendLater: boolean | undefined;
      const rec = recorder({
        onFrame: (c, f) => void c.send(`echo:${f}`),
        onEnd(c) {
          c.send('bye');
          setImmediate(() => (sendLater = c.send('too-late')));
        },
      });
      const { port } = await h.listen({ ...variant.options }, rec.handlers);
      const client = await h.connect(port);
      const reader = new FrameReader(client);
      client.write(frames('a', 'b'));
      client.end(frames('c'));

      await bothClosed(reader, rec);
      expect(reader.texts()).toEqual(['echo:a', 'echo:b', 'echo:c', 'bye']);
      expect(reader.framesAtEnd).toBe(4);
      expect(reader.error).toBeUndefined();
      expect(rec.only()).toEqual(['open', 'frame:a', 'frame:b', 'frame:c', 'end', 'close']);
      expect(sendLater).toBe(false); // the server's side was ended after onEnd returned
      expect(rec.onlyClose()?.error).toBeUndefined();
    });
  });

  it('half-close from the server: the client gets the response then end, and can still send frames', async () => {
    let sendAfterEnd: boolean | undefined;
    const rec = recorder({
      onFrame(c, f) {
        if (f.toString() !== 'first') return;
        c.send('response');
        c.end();
        sendAfterEnd = c.send('dropped');
      },
    });
    const { port } = await h.listen({ ...variant.options }, rec.handlers);
    const client = await h.connect(port, { allowHalfOpen: true });
    const reader = new FrameReader(client);
    client.write(frames('first'));

    await waitFor(() => reader.ended, 5000, "client 'end'");
    expect(reader.texts()).toEqual(['response']);
    expect(sendAfterEnd).toBe(false);

    client.write(frames('more-1', 'more-2'));
    await waitFor(() => rec.only().length === 4, 5000, 'frames after end()');
    expect(rec.only()).toEqual(['open', 'frame:first', 'frame:more-1', 'frame:more-2']);
    expect(rec.closes.size).toBe(0);

    client.end();
    await bothClosed(reader, rec);
    expect(rec.only()).toEqual(['open', 'frame:first', 'frame:more-1', 'frame:more-2', 'end', 'close']);
    expect(['local', 'peer']).toContain(rec.onlyClose()?.reason);
    expect(rec.onlyClose()?.error).toBeUndefined();
    expect(reader.texts()).toEqual(['response']); // 'dropped' never went out
    expect(reader.error).toBeUndefined();
  });

  it("conn.destroy(): the client sees ECONNRESET; onClose reason 'destroy'", async () => {
    const rec = recorder({ onFrame: (c) => c.destroy() });
    const { port } = await h.listen({ ...variant.options }, rec.handlers);
    const client = await h.connect(port);
    const reader = new FrameReader(client);
    client.write(frames('kill'));

    await bothClosed(reader, rec);
    expect(reader.error?.code).toBe('ECONNRESET');
    expect(reader.ended).toBe(false);
    expect(rec.onlyClose()?.reason).toBe('destroy');
    expect(rec.only()).toEqual(['open', 'frame:kill', 'close']);
  });

  it("conn.close(): everything queued arrives, then FIN (no RST though the client kept sending); reason 'local'", async () => {
    const body = pattern(11, 512 * 1024);
    const rec = recorder({
      onFrame(c, f) {
        if (f.toString() !== 'req') return;
        for (let off = 0; off < body.length; off += 64 * 1024) c.send(body.subarray(off, off + 64 * 1024));
        c.close();
      },
    });
    const { port } = await h.listen({ ...variant.options }, rec.handlers);
    const client = await h.connect(port);
    const reader = new FrameReader(client);
    // As soon as the response starts flowing, send more: it reaches the server
    // after close() — closing with unread input must not turn into a RST.
    client.once('data', () => {
      for (let i = 0; i < 32; i++) client.write(lengthFrame(pattern(i, 8 * 1024)));
    });
    client.write(frames('req'));

    await bothClosed(reader, rec, 10_000);
    expect(reader.error).toBeUndefined();
    expect(reader.ended).toBe(true);
    expect(reader.frames.length).toBe(8);
    expect(Buffer.concat(reader.frames).equals(body)).toBe(true);
    expect(reader.partialBytes).toBe(0);
    expect(rec.onlyClose()?.reason).toBe('local');
    expect(rec.onlyClose()?.error).toBeUndefined();
  });

  it("a client reset (RST) closes the connection: reason 'reset' (or 'peer'), gone from connections()", async () => {
    const rec = recorder({ onFrame: (c, f) => void c.send(f) });
    const { server, port } = await h.listen({ ...variant.options }, rec.handlers);
    const client = await h.connect(port);
    const reader = new FrameReader(client);
    client.write(frames('hello'));
    await waitFor(() => reader.frames.length === 1, 5000, 'echo');
    expect(server.connections()).toHaveLength(1);

    client.resetAndDestroy();
    await waitFor(() => rec.closes.size === 1, 5000, 'onClose');
    expect(['reset', 'peer']).toContain(rec.onlyClose()?.reason);
    expect(rec.onlyConn().closed).toBe(true);
    expect(server.connections()).toHaveLength(0);
    await waitFor(() => server.stats().connections === 0, 2000, 'stats().connections === 0');
  });

  it('handler order: onOpen first, onClose last, nothing after onClose (whatever ends the connection)', async () => {
    const rec = recorder<{ n: number }>({
      onOpen: (c) => (c.data = { n: 0 }),
      onFrame(c, f) {
        c.data.n++;
        const cmd = f.toString();
        if (cmd === 'destroy-me' || (cmd === 'flood' && c.data.n === 3)) c.destroy();
        else if (cmd === 'close-me') c.close();
        else c.send(f);
      },
    });
    const { port } = await h.listen({ ...variant.options }, rec.handlers);
    const flood = Buffer.concat(Array.from({ length: 2000 }, () => lengthFrame('flood')));
    const scripts: Array<(s: net.Socket) => void> = [
      (s) => s.end(frames('a', 'b')), // graceful, client first
      (s) => s.write(frames('a', 'destroy-me', 'b', 'c')), // server destroy with frames behind it
      (s) => s.write(frames('a', 'close-me', 'b')), // server close
      (s) => s.write(flood), // destroy in the middle of a flood
      (s) => {
        s.write(frames('a'));
        setTimeout(() => s.resetAndDestroy(), 20); // client RST
      },
    ];
    const clients = await Promise.all(scripts.map(() => h.connect(port)));
    const readers = clients.map((c) => new FrameReader(c));
    clients.forEach((c, i) => scripts[i]?.(c));
    await waitFor(() => readers.every((r) => r.closed), 10_000, 'clients closing');
    await eventually(
      () => rec.closes.size === scripts.length,
      5000,
      () => `onClose fired for ${rec.closes.size}/${scripts.length}: ${[...rec.logs.values()].map((l) => l.filter((e) => e !== 'frame:flood').join(' ')).join(' | ')}`,
    );
    await sleep(150); // anything late would show up now
    for (const [id, log] of rec.logs) {
      expect(log[0], `connection ${id}`).toBe('open');
      expect(log.at(-1), `connection ${id}: ${log.slice(-5).join(',')}`).toBe('close');
      expect(log.filter((e) => e === 'open' || e === 'close'), `connection ${id}`).toEqual(['open', 'close']);
      const conn = rec.conns.get(id) as Connection<{ n: number }>;
      expect(conn.closed).toBe(true);
      expect(conn.send('x')).toBe(false);
    }
  });

  it('pause(): no onFrame while paused though the client keeps sending; resume() delivers every frame in order', async () => {
    const seqs: number[] = [];
    const bad: number[] = [];
    const payload = (i: number) => {
      const p = pattern(1000 + i, 4096);
      p.writeUInt32BE(i, 0);
      return p;
    };
    const rec = recorder({
      onFrame(c, f) {
        const i = f.readUInt32BE(0);
        seqs.push(i);
        if (!f.equals(payload(i))) bad.push(i);
        if (i === 0) c.pause();
      },
    });
    const { port } = await h.listen({ ...variant.options }, rec.handlers);
    const client = await h.connect(port);
    client.write(lengthFrame(payload(0)));
    await waitFor(() => seqs.length === 1, 5000, 'first frame');
    const conn = rec.onlyConn();
    expect(conn.paused).toBe(true);

    // ~200 ms of steady sending (800 KiB in all) while paused.
    const total = 200;
    for (let i = 1; i < total; i += 20) {
      for (let j = i; j < Math.min(i + 20, total); j++) client.write(lengthFrame(payload(j)));
      await sleep(20);
    }
    await sleep(50);
    expect(seqs).toEqual([0]);

    conn.resume();
    expect(conn.paused).toBe(false);
    await eventually(() => seqs.length === total, 10_000, () => `all ${total} frames after resume(): got ${seqs.length}`);
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(bad).toEqual([]);
  });

  describe('server.close()', () => {
    it('delivers every queued response before FIN, resolves, then refuses connections', async () => {
      const clientsN = 50;
      const response = pattern(42, 256 * 1024);
      let requests = 0;
      let closing: Promise<void> | undefined;
      const rec = recorder({
        onFrame(c) {
          c.send(response);
          if (++requests === clientsN) closing = server.close(); // right away, responses still queued
        },
      });
      const { server, port } = await h.listen({ ...variant.options }, rec.handlers);
      const clients = await Promise.all(Array.from({ length: clientsN }, () => h.connect(port)));
      const readers = clients.map((c) => new FrameReader(c));
      for (const c of clients) c.write(frames('req'));

      await waitFor(() => closing !== undefined, 10_000, 'all requests');
      await withTimeout(closing as Promise<void>, 10_000, 'server.close()');
      await waitFor(() => readers.every((r) => r.closed), 5000, 'every client closed');
      for (const [i, r] of readers.entries()) {
        expect(r.error, `client ${i}`).toBeUndefined();
        expect(r.framesAtEnd, `client ${i}`).toBe(1);
        expect(r.frames[0]?.equals(response), `client ${i} response bytes`).toBe(true);
        expect(r.partialBytes, `client ${i}`).toBe(0);
      }
      expect(rec.closes.size).toBe(clientsN);
      for (const { reason } of rec.closes.values()) expect(['server-close', 'local', 'peer']).toContain(reason);
      expect(server.listening).toBe(false);
      expect(rec.serverErrors).toEqual([]);
      expect(await connectRefused(port)).toBe('ECONNREFUSED');
    });

    it("close({timeout}) resets a peer that never reads after the timeout: reason 'server-timeout'", async () => {
      const rec = recorder({
        onFrame(c) {
          // 8 MiB: far more than the kernel buffers of a reader that stopped.
          const chunk = pattern(5, 512 * 1024);
          for (let i = 0; i < 16; i++) c.send(chunk);
        },
      });
      const { server, port } = await h.listen({ ...variant.options, maxOutbound: 64 * 1024 * 1024 }, rec.handlers);
      const client = await h.connect(port);
      client.pause();
      const closed = new Promise((resolve) => client.once('close', resolve));
      client.on('error', () => {}); // the reset surfaces through the write below
      client.write(frames('req'));
      await waitFor(() => rec.conns.size === 1 && rec.only().length === 2, 5000, 'request');
      await sleep(100);
      const conn = rec.onlyConn();
      expect(conn.bufferedAmount).toBeGreaterThan(0); // precondition: output is stuck

      const t0 = Date.now();
      await withTimeout(server.close({ timeout: 300 }), 5000, 'server.close({timeout: 300})');
      const elapsed = Date.now() - t0;
      expect(elapsed).toBeGreaterThanOrEqual(280);
      expect(elapsed).toBeLessThan(1500);
      expect(rec.onlyClose()?.reason).toBe('server-timeout');

      // The peer was reset, not sent a FIN: writing fails at once. (Reading
      // would not tell: libuv reports a hang-up after a partial read as EOF.)
      const writeError = await new Promise<(Error & { code?: string }) | null | undefined>((resolve) =>
        client.write(frames('late'), resolve),
      );
      expect(['ECONNRESET', 'EPIPE']).toContain(writeError?.code);
      client.resume();
      await withTimeout(closed, 5000, 'client close');
    });
  });
});

// Accept modes set workers/inlineWorker themselves: run them once per backend.
const BACKENDS = [...new Set(VARIANTS.map((v) => v.options.backend))];

const ACCEPT_CASES = [
  { acceptMode: 'dispatch', dispatch: 'round-robin' },
  { acceptMode: 'dispatch', dispatch: 'least-connections' },
  { acceptMode: 'reuseport' },
  { acceptMode: 'exclusive' },
] as const;

describe.each(BACKENDS)('accept modes (%s, 2 workers)', (backend) => {
  const h = useHarness();

  describe.each([false, true])('inlineWorker %s', (inlineWorker) => {
    it.each(ACCEPT_CASES)('$acceptMode $dispatch: 40 connections echo and spread over both workers', async (mode) => {
      const errors: string[] = [];
      const { server, port } = await h.listen(
        { backend, workers: 2, inlineWorker, ...mode },
        { onFrame: (c, f) => void c.send(f), onError: (e) => void errors.push(`${(e as { code?: string }).code}: ${e.message}`) },
      );
      const count = 40;
      const readers: FrameReader[] = [];
      const open = async (i: number) => {
        const s = await h.connect(port);
        const r = new FrameReader(s);
        readers[i] = r;
        s.write(frames(`hello ${i}`));
        await waitFor(() => r.frames.length === 1, 5000, `echo on connection ${i}`);
      };
      if (mode.acceptMode === 'exclusive') {
        // Waves with pauses, so both idle workers get a chance to wake.
        for (let wave = 0; wave < 4; wave++) {
          await Promise.all(Array.from({ length: 10 }, (_, j) => open(wave * 10 + j)));
          await sleep(30);
        }
      } else if (mode.acceptMode === 'dispatch' && mode.dispatch === 'least-connections') {
        for (let i = 0; i < count; i++) await open(i); // one at a time: the counts are settled
      } else {
        await Promise.all(Array.from({ length: count }, (_, i) => open(i)));
      }

      readers.forEach((r, i) => expect(r.texts()).toEqual([`hello ${i}`]));
      const stats = server.stats();
      const perWorker = stats.workers.map((w) => w.connections);
      expect(stats.workers).toHaveLength(2);
      expect(stats.connections).toBe(count);
      expect(perWorker[0]! + perWorker[1]!).toBe(count);
      expect(stats.workers.reduce((a, w) => a + w.accepted, 0)).toBe(count);
      expect(stats.framesIn).toBe(count);

      if (mode.acceptMode === 'dispatch') {
        expect(perWorker).toEqual([count / 2, count / 2]); // round robin, or least connections one by one
      }
      if (mode.acceptMode !== 'exclusive') {
        for (const w of stats.workers) expect(w.framesIn, `worker ${w.worker}`).toBeGreaterThan(0);
      }
      const conns = server.connections();
      expect(conns).toHaveLength(count);
      const byWorker = [0, 0];
      for (const c of conns) byWorker[c.worker]!++;
      expect(byWorker).toEqual(perWorker);
      if (mode.acceptMode === 'exclusive' && perWorker.includes(0)) {
        console.info(`exclusive accept mode (inlineWorker ${inlineWorker}) put every connection on one worker: ${perWorker}`);
      }
      await withTimeout(server.close({ timeout: 500 }), 5000, 'server.close()');
      expect(errors, 'server-level errors (onError) during the test and close()').toEqual([]);
    });
  });
});
