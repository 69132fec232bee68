/**
 * After a burst the workers give the memory it freed back to the kernel
 * (native/core/memory_trim.h: malloc_trim once idle, at most once a second),
 * counted in stats().workers[].memoryTrims; a server without a burst never
 * trims. Real connections, both backends × inline/threaded workers.
 */
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Handlers } from '../src/index';
import { lengthFrame, readBytes, sleep, waitFor } from './support/net';
import { useServers } from './support/servers';
import { VARIANTS } from './support/variants';

const echo: Handlers = { onFrame: (c, f) => void c.send(f) };

async function openClose(port: number, n: number): Promise<void> {
  const sockets = await Promise.all(Array.from({ length: n }, () => new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  })));
  await Promise.all(sockets.map((s) => new Promise((r) => { s.once('close', r); s.destroy(); })));
}

describe.each(VARIANTS)('memory trim ($name)', (variant) => {
  const servers = useServers();
  const trims = (s: { stats(): { workers: Array<{ memoryTrims: number; memoryTrimNs: number }> } }) =>
    s.stats().workers.reduce((a, w) => a + w.memoryTrims, 0);

  it('no burst: a server echoing on a few connections does not trim', async () => {
    const { server, port } = await servers.listen({ ...variant.options }, echo);
    for (let i = 0; i < 5; i++) {
      const c = await servers.connect(port);
      c.write(lengthFrame('hello'));
      expect((await readBytes(c, 9)).subarray(4).toString()).toBe('hello');
    }
    await sleep(1200);
    expect(trims(server)).toBe(0);
  });

  it('4,000 connections opened and closed: the workers trim once idle, and go on serving', { timeout: 60_000 }, async () => {
    const { server, port } = await servers.listen({ ...variant.options, maxConnections: 5000 }, echo);
    for (let i = 0; i < 10; i++) await openClose(port, 400);
    await waitFor(() => server.stats().connections === 0);
    await waitFor(() => trims(server) >= 1, 5_000, 'a trim after the burst');
    const ns = server.stats().workers.reduce((a, w) => a + w.memoryTrimNs, 0);
    expect(ns).toBeGreaterThan(0);
    const c = await servers.connect(port);
    c.write(lengthFrame('after'));
    expect((await readBytes(c, 9)).subarray(4).toString()).toBe('after');
    // A trim held back by the once-a-second limit runs within a second; after
    // it, idle with nothing freed since: no more trims.
    await sleep(1200);
    const after = trims(server);
    await sleep(1200);
    expect(trims(server)).toBe(after);
  });
});
