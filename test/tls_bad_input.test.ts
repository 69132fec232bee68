/**
 * TLS bad input: every failure closes only that connection, is reported with
 * its own reason, and the server goes on serving. Garbage instead of a
 * ClientHello, a client that stalls or leaves mid-handshake, truncated and
 * forged records after the handshake, a flood of 1,000 concurrent
 * handshakes, and the per-worker bound on handshakes in progress.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { TlsError, type CloseReason } from '../src/index';
import { useHarness } from './support/harness';
import { closed, readToEnd, sleep, waitFor } from './support/net';
import { makePki, readUntil, removePki, tlsConnect } from './support/tls';
import { VARIANTS } from './support/variants';

const pki = makePki();
afterAll(() => removePki(pki));
const TLS = { key: pki.localhost.key, cert: pki.localhost.cert };
const LINES = { type: 'delimiter', delimiter: '\n' } as const;

/** The first flight of a real node:tls client (its ClientHello record). */
function captureClientHello(): Promise<Buffer> {
  return new Promise((resolve) => {
    const srv = net.createServer((sock) => {
      sock.once('data', (d: Buffer) => {
        resolve(d);
        sock.destroy();
        srv.close();
      });
    });
    srv.listen(0, '127.0.0.1', () => {
      const c = tls.connect({ port: (srv.address() as net.AddressInfo).port, host: '127.0.0.1', servername: 'localhost' });
      c.on('error', () => {});
    });
  });
}

describe.each(VARIANTS)('tls bad input ($name)', ({ options }) => {
  const h = useHarness();

  function server(extra: object = {}) {
    const clientErrors: TlsError[] = [];
    const closes: Array<{ reason: CloseReason; error?: Error }> = [];
    const errors: Error[] = [];
    const started = h.listen({ ...options, framing: LINES, tls: TLS, ...extra }, {
      onFrame(c, f) { c.send(Buffer.concat([Buffer.from('echo:'), f])); },
      onClose(_c, reason, error) { closes.push({ reason, error }); },
      onTlsClientError(err) { clientErrors.push(err); },
      onError(err) { errors.push(err); },
    });
    return { started, clientErrors, closes, errors };
  }

  async function stillServes(port: number): Promise<void> {
    const s = await tlsConnect(port, pki);
    s.write('ok\n');
    expect(await readUntil(s, (t) => t.includes('echo:ok'))).toContain('echo:ok');
    s.destroy();
  }

  it('garbage instead of a ClientHello: ERR_TLS_HANDSHAKE with OpenSSL\'s reason, only that socket closed', async () => {
    const { started, clientErrors, closes } = server();
    const { port } = await started;
    const a = h.track(net.connect({ port, host: '127.0.0.1' }));
    a.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await readToEnd(a); // the server closes it (after its alert)
    const b = h.track(net.connect({ port, host: '127.0.0.1' }));
    b.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8]));
    await readToEnd(b);
    await waitFor(() => clientErrors.length === 2, 10_000, 'two client errors');
    for (const e of clientErrors) {
      expect(e).toBeInstanceOf(TlsError);
      expect(e.code).toBe('ERR_TLS_HANDSHAKE');
      expect(e.remoteAddress).toBe('127.0.0.1');
    }
    expect(clientErrors[0]?.reason).toMatch(/http request|wrong version number/);
    expect(closes).toHaveLength(0); // never opened: no onClose
    await stillServes(port);
  });

  it('a client that stalls mid-handshake is dropped with ERR_TLS_HANDSHAKE_TIMEOUT', async () => {
    const hello = await captureClientHello();
    const { started, clientErrors } = server({ tls: { ...TLS, handshakeTimeout: 300 } });
    const { port } = await started;
    const silent = h.track(net.connect({ port, host: '127.0.0.1' }));
    const partial = h.track(net.connect({ port, host: '127.0.0.1' }));
    partial.write(hello.subarray(0, Math.floor(hello.length / 2)));
    const t0 = Date.now();
    await Promise.all([readToEnd(silent), readToEnd(partial)]);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(3000);
    await waitFor(() => clientErrors.length === 2, 10_000, 'timeouts');
    expect(clientErrors.map((e) => e.code)).toEqual(['ERR_TLS_HANDSHAKE_TIMEOUT', 'ERR_TLS_HANDSHAKE_TIMEOUT']);
    await stillServes(port);
  });

  it('a client that leaves mid-handshake is reported, not opened', async () => {
    const hello = await captureClientHello();
    const { started, clientErrors } = server();
    const { port } = await started;
    const s = h.track(net.connect({ port, host: '127.0.0.1' }));
    s.end(hello.subarray(0, 20));
    await waitFor(() => clientErrors.length === 1, 10_000, 'client error');
    expect(clientErrors[0]?.code).toBe('ERR_TLS_HANDSHAKE');
    expect(clientErrors[0]?.reason).toMatch(/closed the connection during the handshake/);
  });

  it('a forged record after the handshake closes with tls-error (bad record MAC)', async () => {
    const { started, closes } = server();
    const { port } = await started;
    const raw = h.track(net.connect({ port, host: '127.0.0.1' }));
    const s = await tlsConnect(port, pki, { socket: raw });
    s.write('x\n');
    await readUntil(s, (t) => t.includes('echo:x'));
    const forged = Buffer.alloc(5 + 40, 0x5a);
    forged.set([0x17, 0x03, 0x03, 0x00, 40]);
    raw.write(forged); // straight onto TCP, beneath the TLS client
    await waitFor(() => closes.length === 1, 10_000, 'close');
    expect(closes[0]?.reason).toBe('tls-error');
    expect(closes[0]?.error).toBeInstanceOf(TlsError);
    expect((closes[0]?.error as TlsError).code).toBe('ERR_TLS');
    expect((closes[0]?.error as TlsError).reason).toMatch(/decryption failed|bad record mac/);
    await stillServes(port);
  });

  it('a truncated record then FIN is an abrupt close; an oversized record length is a tls-error', async () => {
    const { started, closes } = server();
    const { port } = await started;
    const raw = h.track(net.connect({ port, host: '127.0.0.1' }));
    const s = await tlsConnect(port, pki, { socket: raw });
    s.write('x\n');
    await readUntil(s, (t) => t.includes('echo:x'));
    raw.end(Buffer.from([0x17, 0x03, 0x03, 0x40, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    await waitFor(() => closes.length === 1, 10_000, 'close');
    expect(closes[0]?.reason).toBe('tls-abrupt');

    const raw2 = h.track(net.connect({ port, host: '127.0.0.1' }));
    const s2 = await tlsConnect(port, pki, { socket: raw2 });
    s2.write('y\n');
    await readUntil(s2, (t) => t.includes('echo:y'));
    raw2.write(Buffer.from([0x17, 0x03, 0x03, 0xff, 0xff, 0, 0, 0])); // 65535 > 2^14 + 256
    await waitFor(() => closes.length === 2, 10_000, 'second close');
    expect(closes[1]?.reason).toBe('tls-error');
    await stillServes(port);
  });

  // Node's own TLS client is the expensive side here (on a shared 2-core
  // machine 1,000 of its handshakes take 10-30 s), hence the long timeout.
  it.runIf(options.inlineWorker)('1,000 concurrent handshakes all complete', async () => {
    const { started, clientErrors } = server({ tls: { ...TLS, handshakeTimeout: 150_000 }, server: { backlog: 1024 } });
    const { server: srv, port } = await started;
    // Under the sanitizer build (npm run test:asan) every handshake costs several
    // times more on both sides: 250 there keeps the file inside its time budget.
    const N = process.env.RINGNET_ADDON_PATH ? 250 : 1000;
    const sockets = await Promise.all(Array.from({ length: N }, () => tlsConnect(port, pki)));
    await Promise.all(sockets.map(async (s, i) => {
      s.write(`${i}\n`);
      await readUntil(s, (t) => t.includes(`echo:${i}\n`), 150_000);
    }));
    const st = srv.stats();
    expect(st.workers.reduce((a, w) => a + w.tlsHandshakes, 0)).toBe(N);
    expect(clientErrors).toHaveLength(0);
    for (const s of sockets) s.destroy();
  }, 200_000);

  it('bounds handshakes in progress per worker (tls.maxHandshakes): the rest are refused', async () => {
    const { started, errors, clientErrors } = server({ workers: 1, tls: { ...TLS, maxHandshakes: 2, handshakeTimeout: 400 } });
    const { server: srv, port } = await started;
    const idle = Array.from({ length: 4 }, () => h.track(net.connect({ port, host: '127.0.0.1' })));
    const allClosed = Promise.all(idle.map((s) => closed(s.resume())));
    await waitFor(() => srv.stats().workers[0]!.rejected >= 2, 10_000, 'two refused');
    await waitFor(() => errors.some((e) => (e as { code?: string }).code === 'ERR_TLS_MAX_HANDSHAKES'), 10_000, 'ERR_TLS_MAX_HANDSHAKES');
    await allClosed;
    await waitFor(() => clientErrors.length === 2, 10_000, 'the two held ones time out');
    await sleep(50);
    await stillServes(port);
  });
});
