/**
 * WebSocket flow control and fan-out with real sockets: a client that stops
 * reading (send results, onDrain, closeOnBackpressureLimit), rooms and
 * broadcast (one encoding for every member; a slow member does not stall the
 * others), and 1000 connections echoing 1 MiB messages, every byte checked.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  BackpressureError, SendStatus, type Handlers, type Server, type ServerOptions, type ServerWebSocket, type WebSocketHandlers,
} from '../src/index';
import { useHarness } from './support/harness';
import { sleep, waitFor } from './support/net';
import { VARIANTS } from './support/variants';
import { RawWsClient, clientFrame } from './support/websocket';

function openWs(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const c = new WebSocket(url);
    c.once('open', () => resolve(c));
    c.once('error', reject);
  });
}

describe.each(VARIANTS)('websocket flow ($name)', ({ options }) => {
  const h = useHarness();
  const listen = (framing: object, handlers: WebSocketHandlers, extra: object = {}) =>
    h.listen({ ...options, ...extra, framing: { type: 'websocket', ...framing } } as ServerOptions, handlers as Handlers);

  it('reports SENT, BACKPRESSURE and DROPPED to a client that stops reading, and drains when it reads again', async () => {
    const statuses: number[] = [];
    const sentSeq: number[] = [];
    let drains = 0;
    let seq = 0;
    let stop = false;
    const msg = (n: number) => { const b = Buffer.alloc(64 * 1024, n & 255); b.writeUInt32BE(n, 0); return b; };
    const pump = (ws: ServerWebSocket) => {
      while (!stop) {
        const st = ws.send(msg(seq));
        statuses.push(st);
        if (st === SendStatus.DROPPED) return; // retried on drain
        sentSeq.push(seq++);
        if (st === SendStatus.BACKPRESSURE) {
          // Above maxBackpressure now: the next message is dropped (not queued).
          const again = ws.send(msg(seq));
          statuses.push(again);
          if (again !== SendStatus.DROPPED) sentSeq.push(seq++);
          return;
        }
      }
    };
    const { port } = await listen({ maxBackpressure: 256 * 1024 }, {
      onOpen: pump,
      onDrain(ws) { drains++; pump(ws); },
    }, { connection: { sendBuffer: 64 * 1024 } });
    const raw = await RawWsClient.open(port);
    await raw.upgraded();
    raw.socket.pause();
    // The kernel buffers fill; then drains stop coming while nothing is read.
    let last = -1;
    for (let i = 0; i < 50 && drains !== last; i++) { last = drains; await sleep(60); }
    expect(statuses).toContain(SendStatus.BACKPRESSURE);
    // 64 KiB messages under a 256 KiB limit: three fit, the fourth crosses it.
    expect(statuses.slice(0, 5)).toEqual([SendStatus.SENT, SendStatus.SENT, SendStatus.SENT, SendStatus.BACKPRESSURE, SendStatus.DROPPED]);
    const stalled = drains;
    // Reading again lets the queue drain; every message reported as sent arrives, in order.
    raw.socket.resume();
    await waitFor(() => drains > stalled, 10_000, 'onDrain after the client reads');
    stop = true;
    await raw.until(() => raw.frames.length >= sentSeq.length, 'every sent message', 20_000);
    const got = raw.frames.slice(0, sentSeq.length).map((f) => f.payload.readUInt32BE(0));
    expect(got).toEqual(sentSeq);
  });

  it('closes a client over maxBackpressure with closeOnBackpressureLimit', async () => {
    const closes: Array<[number, unknown]> = [];
    const { port } = await listen({ maxBackpressure: 128 * 1024, closeOnBackpressureLimit: true }, {
      onOpen(ws) {
        for (let i = 0; i < 64; i++) if (ws.send(Buffer.alloc(64 * 1024)) === SendStatus.DROPPED) return;
      },
      onClose(_ws, code, _r, err) { closes.push([code, err]); },
    });
    const raw = await RawWsClient.open(port);
    raw.socket.pause();
    await waitFor(() => closes.length === 1, 10_000, 'onClose');
    expect(closes[0]?.[0]).toBe(1006);
    expect(closes[0]?.[1]).toBeInstanceOf(BackpressureError);
  });

  it('broadcasts to room members (encoded once), and a slow member does not stall the others', async () => {
    let server: Server | undefined;
    const joined: ServerWebSocket[] = [];
    const closes: Array<[string, unknown]> = [];
    const started = await listen({}, {
      onOpen(ws) { ws.join('r'); joined.push(ws); },
      onClose(ws, _code, _r, err) { closes.push([ws.url, err]); },
    }, { maxOutbound: 512 * 1024, connection: { sendBuffer: 32 * 1024 } });
    server = started.server;
    const fast = await Promise.all([1, 2, 3].map(() => openWs(`ws://127.0.0.1:${started.port}/fast`)));
    const slow = await RawWsClient.open(started.port, Buffer.from(
      'GET /slow HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'));
    await slow.upgraded();
    slow.socket.pause();
    await waitFor(() => joined.length === 4, 10_000, 'four members');
    const received = fast.map(() => [] as number[]);
    fast.forEach((c, i) => c.on('message', (d: Buffer) => received[i]?.push(d.readUInt32BE(0))));
    const N = 1500; // 6 MB: more than the slow member's kernel buffers and maxOutbound
    for (let n = 0; n < N; n++) {
      const b = Buffer.alloc(4096, 7);
      b.writeUInt32BE(n, 0);
      while (!server.broadcast('r', b)) await sleep(1);
      // The fast members read as they go (they share this process, so pace to what they took);
      // the slow one never reads: its queue grows until maxOutbound closes it.
      if (n % 10 === 9) {
        await sleep(1);
        await waitFor(() => received.every((r) => r.length >= n - 40), 20_000, `fast members at ${n}`);
      }
    }
    await waitFor(() => received.every((r) => r.length === N) || closes.some((c) => c[0] === '/fast'), 30_000, 'every message at every fast member');
    expect(closes.filter((c) => c[0] === '/fast')).toEqual([]);
    for (const r of received) expect(r).toEqual(Array.from({ length: N }, (_, i) => i));
    await waitFor(() => closes.length === 1, 10_000, 'the slow member closed');
    expect(closes[0]?.[0]).toBe('/slow');
    expect(closes[0]?.[1]).toBeInstanceOf(BackpressureError);
    // broadcastAll, text.
    const texts = fast.map((c) => new Promise<string>((resolve) => c.once('message', (d: Buffer, bin: boolean) => resolve(`${bin}:${d.toString()}`))));
    server.broadcastAll('to everyone ✓');
    expect(await Promise.all(texts)).toEqual(['false:to everyone ✓', 'false:to everyone ✓', 'false:to everyone ✓']);
    for (const c of fast) c.close();
  });
});

describe.each(VARIANTS.filter((v) => v.name.endsWith('threads') || v.name.startsWith('epoll')))('websocket load ($name)', ({ options }) => {
  const h = useHarness();
  it('echoes a 1 MiB message on each of 1000 connections, every byte checked', async () => {
    const { port } = await h.listen({ ...options, framing: { type: 'websocket', maxPayloadLength: 1 << 20, idleTimeout: 0 } } as ServerOptions, { // a client busy receiving its echo sends nothing: no idle ping in the stream
      onMessage(ws: ServerWebSocket, data: Buffer) { ws.send(data); },
    } as WebSocketHandlers as Handlers);
    const payload = Buffer.alloc(1 << 20);
    for (let i = 0; i < payload.length; i += 4) payload.writeUInt32LE((i * 2654435761) >>> 0, i);
    // A zero masking key leaves the payload as is: one buffer serves every client.
    const frame = clientFrame(2, payload, { key: Buffer.alloc(4) });
    const header = Buffer.from([0x82, 127, 0, 0, 0, 0, 0, 0x10, 0, 0]);
    const checks = await Promise.all(Array.from({ length: 1000 }, async () => {
      const raw = await RawWsClient.open(port);
      await raw.upgraded(120_000); // 1000 handshakes at once on a loaded machine
      // Compare as bytes stream in, without keeping a copy per client.
      return new Promise<boolean>((resolve) => {
        let off = 0;
        let ok = true;
        raw.socket.removeAllListeners('data');
        raw.socket.on('data', (d: Buffer) => {
          let i = 0;
          for (; i < d.length && off < 10; i++, off++) if (d[i] !== header[off]) ok = false;
          const rest = d.subarray(i);
          if (!rest.equals(payload.subarray(off - 10, off - 10 + rest.length))) ok = false;
          off += rest.length;
          if (off >= 10 + payload.length) { raw.close(); resolve(ok && off === 10 + payload.length); }
        });
        raw.write(frame);
      });
    }));
    expect(checks.filter((x) => !x).length).toBe(0);
  }, 180_000);
});
