/**
 * TLS on the native reactors: handshakes and records with real clients
 * (node:tls, openssl s_client) for the plain framings, on every backend and
 * worker layout. close_notify both ways, abrupt closes, KeyUpdate, refused
 * renegotiation, TLS 1.2 and 1.3 with several ciphers.
 */
import * as net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { TlsError, type CloseReason, type Connection, type TlsInfo } from '../src/index';
import { useHarness } from './support/harness';
import { lengthFrame, waitFor } from './support/net';
import { makePki, readUntil, removePki, sClient, tlsConnect } from './support/tls';
import { VARIANTS } from './support/variants';

const pki = makePki();
afterAll(() => removePki(pki));
const TLS = { key: pki.localhost.key, cert: pki.localhost.cert };
const LINES = { type: 'delimiter', delimiter: '\n' } as const;

interface Seen {
  opened: Array<TlsInfo | undefined>;
  ends: number;
  closes: Array<{ reason: CloseReason; error?: Error }>;
}

describe.each(VARIANTS)('tls data path ($name)', ({ options }) => {
  const h = useHarness();

  function echoServer(extra: object = {}, onFrame?: (c: Connection, f: Buffer) => void) {
    const seen: Seen = { opened: [], ends: 0, closes: [] };
    const started = h.listen({ ...options, framing: LINES, tls: TLS, ...extra }, {
      onOpen(c) { seen.opened.push(c.tls); },
      onFrame: onFrame ?? ((c, f) => { c.send(Buffer.concat([Buffer.from('echo:'), f])); }),
      onEnd() { seen.ends++; },
      onClose(_c, reason, error) { seen.closes.push({ reason, error }); },
    });
    return { seen, started };
  }

  it('echoes lines to a node:tls client; conn.tls describes the session before onOpen', async () => {
    const { seen, started } = echoServer();
    const { port } = await started;
    const s = await tlsConnect(port, pki);
    s.write('hello\nworld\n');
    expect(await readUntil(s, (t) => t.endsWith('echo:world\n'))).toBe('echo:hello\necho:world\n');
    expect(seen.opened).toHaveLength(1);
    expect(seen.opened[0]).toMatchObject({ protocol: 'TLSv1.3', servername: 'localhost', resumed: false, alpn: false,
      ktls: { tx: false, rx: false } });
    expect(seen.opened[0]?.cipher).toBe(s.getCipher().standardName);
    s.end(); // close_notify: the server sees a TLS end, not an abrupt close
    await waitFor(() => seen.closes.length === 1, 10_000, 'close');
    expect(seen.ends).toBe(1);
    expect(seen.closes[0]?.reason).not.toBe('tls-abrupt');
    expect(seen.closes[0]?.error).toBeUndefined();
  });

  it('length framing: 200 frames in one write, and a 1 MiB raw stream both ways', async () => {
    const { port } = await h.listen({ ...options, framing: { type: 'length' }, tls: TLS }, {
      onFrame(c, f) { c.send(f); },
    });
    const s = await tlsConnect(port, pki);
    const frames = Array.from({ length: 200 }, (_, i) => lengthFrame(`frame-${i}`));
    s.write(Buffer.concat(frames));
    const want = Buffer.concat(frames);
    const got: Buffer[] = [];
    let n = 0;
    await new Promise<void>((resolve) => s.on('data', (d: Buffer) => { got.push(d); n += d.length; if (n >= want.length) resolve(); }));
    expect(Buffer.concat(got).equals(want)).toBe(true);
    s.destroy();

    const raw = await h.listen({ ...options, framing: { type: 'raw' }, tls: TLS }, { onFrame(c, f) { c.write(f); } });
    const r = await tlsConnect(raw.port, pki);
    const big = Buffer.alloc(1 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7 + 3) & 0xff;
    r.write(big);
    const back: Buffer[] = [];
    let m = 0;
    await new Promise<void>((resolve) => r.on('data', (d: Buffer) => { back.push(d); m += d.length; if (m >= big.length) resolve(); }));
    expect(Buffer.concat(back).equals(big)).toBe(true);
    r.destroy();
  });

  it('sends close_notify before FIN on a graceful close (s_client sees the alert)', async () => {
    const { started } = echoServer({}, (c, f) => {
      c.send(Buffer.concat([Buffer.from('bye:'), f]));
      c.close();
    });
    const { port } = await started;
    const r = await sClient(port, pki, ['-msg', '-tls1_3'], ['hi'], 300);
    expect(r.stdout).toContain('bye:hi');
    expect(r.stdout).toMatch(/<<< TLS 1\.3, Alert \[length 0002\], warning close_notify/);
  });

  it('reports a TCP close without close_notify as tls-abrupt (TlsError ERR_TLS_ABRUPT_CLOSE)', async () => {
    const { seen, started } = echoServer();
    const { port } = await started;
    const raw = net.connect({ port, host: '127.0.0.1' });
    const s = await tlsConnect(port, pki, { socket: raw });
    s.write('x\n');
    await readUntil(s, (t) => t.includes('echo:x'));
    raw.end(); // FIN on the TCP socket underneath, no TLS alert
    await waitFor(() => seen.closes.length === 1, 10_000, 'close');
    expect(seen.closes[0]?.reason).toBe('tls-abrupt');
    expect(seen.closes[0]?.error).toBeInstanceOf(TlsError);
    expect((seen.closes[0]?.error as TlsError).code).toBe('ERR_TLS_ABRUPT_CLOSE');
    s.destroy();
  });

  it.each([
    ['-tls1_2', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
    ['-tls1_2', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
    ['-tls1_2', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
    ['-tls1_3', 'TLS_AES_128_GCM_SHA256'],
    ['-tls1_3', 'TLS_CHACHA20_POLY1305_SHA256'],
    ['-tls1_3', 'TLS_AES_256_GCM_SHA384'],
  ])('openssl s_client %s %s', async (version, cipher) => {
    const { seen, started } = echoServer();
    const { port } = await started;
    const flag = version === '-tls1_3' ? '-ciphersuites' : '-cipher';
    const r = await sClient(port, pki, [version, flag, cipher], ['one', 'two'], 250);
    expect(r.stdout).toContain('echo:one');
    expect(r.stdout).toContain('echo:two');
    expect(seen.opened[0]).toMatchObject({ protocol: version === '-tls1_3' ? 'TLSv1.3' : 'TLSv1.2', cipher });
  });

  it('handles a peer KeyUpdate (s_client k, and K which asks for ours)', async () => {
    const { seen, started } = echoServer();
    const { port } = await started;
    const r = await sClient(port, pki, ['-tls1_3', '-msg'], ['before', 'k', 'after-k', 'K', 'after-K'], 300);
    expect(r.stdout).toContain('echo:before');
    expect(r.stdout).toContain('echo:after-k');
    expect(r.stdout).toContain('echo:after-K');
    // K requests an update back: the server's KeyUpdate arrives.
    expect(r.stdout).toMatch(/<<< TLS 1\.3, Handshake \[length 0005\], KeyUpdate/);
    await waitFor(() => seen.closes.length === 1, 10_000, 'close');
    expect(seen.closes[0]?.reason).not.toMatch(/^tls-/);
  });

  it('refuses renegotiation (s_client R on TLS 1.2): no second handshake, the session is not renegotiated', async () => {
    const { seen, started } = echoServer();
    const { port } = await started;
    const r = await sClient(port, pki, ['-tls1_2', '-msg'], ['before', 'R', 'after'], 300);
    expect(r.stdout).toContain('echo:before');
    expect(r.stdout).toMatch(/warning no_renegotiation/);
    expect(r.stdout).not.toContain('echo:after');
    await waitFor(() => seen.closes.length === 1, 10_000, 'close');
    expect(seen.opened).toHaveLength(1);
  });
});
