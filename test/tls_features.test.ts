/**
 * TLS features a deployment relies on: SNI with several certificates, ALPN,
 * session resumption with tickets (TLS 1.2 and 1.3), certificate reload
 * without a restart (also under load), bad material refused at createServer,
 * and kernel TLS detection on this kernel.
 */
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidOptionError, KtlsUnavailableError, createServer, type TlsInfo, type TlsOptions } from '../src/index';
import { native } from '../src/native';
import { useHarness } from './support/harness';
import { waitFor } from './support/net';
import { makePki, readUntil, removePki, tlsConnect } from './support/tls';
import { VARIANTS } from './support/variants';

const pki = makePki();
afterAll(() => removePki(pki));
const TLS = { key: pki.localhost.key, cert: pki.localhost.cert };
const LINES = { type: 'delimiter', delimiter: '\n' } as const;

function peerName(s: tls.TLSSocket): string {
  return s.getPeerCertificate().subject.CN as string;
}

/** One round trip, so the server has seen the client's Finished before we go. */
async function roundTrip(s: tls.TLSSocket): Promise<void> {
  s.write('x\n');
  await readUntil(s, (t) => t.includes('echo:x'));
  s.destroy();
}

describe.each(VARIANTS)('tls features ($name)', ({ options }) => {
  const h = useHarness();

  function infoServer(tlsOptions: TlsOptions, extra: object = {}) {
    const infos: TlsInfo[] = [];
    const started = h.listen({ ...options, framing: LINES, tls: tlsOptions, ...extra }, {
      onOpen(c) { infos.push(c.tls as TlsInfo); },
      onFrame(c, f) { c.send(Buffer.concat([Buffer.from('echo:'), f])); },
    });
    return { infos, started };
  }

  it('SNI picks the certificate by host name (exact, wildcard, and the default for others)', async () => {
    const { infos, started } = infoServer({ ...TLS, sni: { 'other.test': pki.other, '*.wild.test': pki.wildcard } });
    const { port } = await started;
    const cases: Array<[string, string]> = [['other.test', 'other.test'], ['a.wild.test', 'wild'], ['localhost', 'localhost']];
    for (const [servername, cn] of cases) {
      const s = await tlsConnect(port, pki, { servername });
      expect(peerName(s)).toBe(cn);
      await roundTrip(s);
    }
    await waitFor(() => infos.length === 3, 5000, 'opens');
    expect(infos.map((i) => i.servername)).toEqual(['other.test', 'a.wild.test', 'localhost']);
  });

  it('ALPN: the server preference among what the client offers; none agreed is false', async () => {
    const { infos, started } = infoServer({ ...TLS, alpn: ['goim', 'http/1.1'] });
    const { port } = await started;
    const a = await tlsConnect(port, pki, { ALPNProtocols: ['http/1.1', 'goim'] });
    expect(a.alpnProtocol).toBe('goim');
    const b = await tlsConnect(port, pki, { ALPNProtocols: ['h2'] });
    expect(b.alpnProtocol).toBe(false);
    await roundTrip(a);
    await roundTrip(b);
    await waitFor(() => infos.length === 2, 5000, 'opens');
    // Two threaded workers' opens reach JS in either order.
    expect(infos.map((i) => String(i.alpn)).sort()).toEqual(['false', 'goim']);
  });

  it('kTLS: auto hands TX to the kernel only where it has TLS (here: userspace, conn.tls.ktls says why); off never tries', async () => {
    const available = native.kernelTlsAvailable();
    for (const ktls of ['auto', 'off'] as const) {
      const { infos, started } = infoServer({ ...TLS, ktls });
      const { port, server } = await started;
      const s = await tlsConnect(port, pki);
      await roundTrip(s); // and the echo came back: the data path works either way
      await waitFor(() => infos.length === 1, 5000, 'open');
      const k = infos[0]?.ktls;
      if (ktls === 'off') {
        expect(k).toEqual({ tx: false, rx: false, reason: "tls.ktls is 'off'" });
      } else if (available !== true) {
        // This machine: no TLS ULP (CONFIG_TLS unset), so nothing is tried.
        expect(k).toEqual({ tx: false, rx: false, reason: available });
      } else {
        expect(k?.tx).toBe(true);
        expect(k?.rx).toBe(false); // never: see README (records read ahead of OpenSSL)
      }
      const handedOver = server.stats().workers.reduce((n, w) => n + w.ktlsTx, 0);
      expect(handedOver).toBe(ktls === 'auto' && available === true ? 1 : 0);
    }
  });

  it.each(['TLSv1.2', 'TLSv1.3'] as const)('resumes %s sessions with tickets (conn.tls.resumed)', async (version) => {
    const { infos, started } = infoServer(TLS);
    const { port } = await started;
    const first = await tlsConnect(port, pki, { maxVersion: version });
    const session = await new Promise<Buffer>((resolve) => {
      if (version === 'TLSv1.2') resolve(first.getSession() as Buffer);
      else first.once('session', resolve); // TLS 1.3 tickets come after the handshake
      first.write('x\n');
    });
    first.end();
    const second = await tlsConnect(port, pki, { maxVersion: version, session });
    expect(second.isSessionReused()).toBe(true);
    second.write('y\n');
    await readUntil(second, (t) => t.includes('echo:y'));
    second.destroy();
    await waitFor(() => infos.length === 2, 5000, 'opens');
    expect(infos.map((i) => [i.protocol, i.resumed])).toEqual([[version, false], [version, true]]);
  });

  it('sessionTickets: false issues none (no resumption)', async () => {
    const { started } = infoServer({ ...TLS, sessionTickets: false });
    const { port } = await started;
    const first = await tlsConnect(port, pki, { maxVersion: 'TLSv1.2' });
    const session = first.getSession();
    first.destroy();
    const second = await tlsConnect(port, pki, { maxVersion: 'TLSv1.2', session });
    expect(second.isSessionReused()).toBe(false);
    second.destroy();
  });

  it('setSecureContext: new handshakes get the new certificate, open connections keep working', async () => {
    const { started } = infoServer(TLS);
    const { server, port } = await started;
    const before = await tlsConnect(port, pki);
    expect(peerName(before)).toBe('localhost');
    expect(() => server.setSecureContext({ key: pki.other.key, cert: pki.localhost.cert })).toThrow(InvalidOptionError);
    server.setSecureContext({ key: pki.wildcard.key, cert: pki.wildcard.cert });
    const after = await tlsConnect(port, pki, { servername: 'x.wild.test' });
    expect(peerName(after)).toBe('wild');
    before.write('still\n');
    expect(await readUntil(before, (t) => t.includes('echo:still'))).toContain('echo:still');
    before.destroy();
    after.destroy();
  });

  it('reloads certificates under load: every handshake succeeds with one of the two', async () => {
    const { started } = infoServer(TLS);
    const { server, port } = await started;
    const seen = new Set<string>();
    let stop = false;
    const client = async (): Promise<void> => {
      while (!stop) {
        const s = await tlsConnect(port, pki, { checkServerIdentity: () => undefined });
        seen.add(peerName(s));
        s.destroy();
      }
    };
    const clients = Array.from({ length: 8 }, client);
    // Reload every 40 ms (at least 10 times) until handshakes have seen both.
    const t0 = Date.now();
    for (let i = 0; i < 10 || (seen.size < 2 && Date.now() - t0 < 30_000); i++) {
      server.setSecureContext(i % 2 === 0 ? pki.other : TLS);
      await new Promise((r) => setTimeout(r, 40));
    }
    stop = true;
    await Promise.all(clients);
    expect([...seen].sort()).toEqual(['localhost', 'other.test']);
  });
});

describe('tls options', () => {
  const base = { framing: LINES } as const;
  const noop = { onFrame() {} };

  it('reads PEM from strings, Buffers and file paths; an encrypted key needs its passphrase', () => {
    const key = fs.readFileSync(pki.localhost.key);
    const cert = fs.readFileSync(pki.localhost.cert, 'latin1');
    expect(() => createServer({ ...base, tls: { key, cert } }, noop)).not.toThrow();
    expect(() => createServer({ ...base, tls: TLS }, noop)).not.toThrow();
    expect(() => createServer({ ...base, tls: { ...pki.encrypted } }, noop)).not.toThrow();
    expect(() => createServer({ ...base, tls: { key: pki.encrypted.key, cert: pki.encrypted.cert } }, noop)).toThrow(/passphrase/);
    expect(() => createServer({ ...base, tls: { ...pki.encrypted, passphrase: 'wrong' } }, noop)).toThrow(/wrong passphrase/);
  });

  it('refuses bad material with InvalidOptionError naming the option', () => {
    const bad = (tls: object, re: RegExp) => {
      let err: unknown;
      try { createServer({ ...base, tls } as never, noop); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(InvalidOptionError);
      expect((err as Error).message).toMatch(re);
    };
    bad({ cert: TLS.cert }, /tls\.key: is required/);
    bad({ ...TLS, cert: '/nonexistent/cert.pem' }, /tls\.cert: cannot read/);
    bad({ ...TLS, cert: '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n' }, /tls\.cert/);
    bad({ key: pki.other.key, cert: pki.localhost.cert }, /does not match the certificate/);
    bad({ ...TLS, ciphers: 'NOT-A-CIPHER' }, /tls\.ciphers/);
    bad({ ...TLS, minVersion: 'TLSv1.1' }, /tls\.minVersion/);
    bad({ ...TLS, alpn: [''] }, /tls\.alpn/);
    bad({ ...TLS, sni: { 'bad host!': pki.other } }, /tls\.sni/);
    bad({ ...TLS, sni: { 'other.test': { key: pki.localhost.key, cert: pki.other.cert } } }, /tls\.sni\['other\.test'\]/);
    bad({ ...TLS, handshakeTimeout: -1 }, /tls\.handshakeTimeout/);
    bad({ ...TLS, bogus: 1 }, /tls\.bogus/);
  });

  it('kTLS: detection matches the kernel; auto falls back to userspace, require fails clearly', () => {
    const ulps = fs.readFileSync('/proc/sys/net/ipv4/tcp_available_ulp', 'utf8');
    const available = native.kernelTlsAvailable();
    if (!ulps.split(/\s+/).includes('tls')) {
      // This machine's kernel is built without CONFIG_TLS (the ULP list has no "tls").
      expect(available).toMatch(/no TLS upper-layer protocol/);
    }
    expect(() => createServer({ ...base, tls: { ...TLS, ktls: 'auto' } }, noop)).not.toThrow();
    expect(() => createServer({ ...base, tls: { ...TLS, ktls: 'off' } }, noop)).not.toThrow();
    let err: unknown;
    try { createServer({ ...base, tls: { ...TLS, ktls: 'require' } }, noop); } catch (e) { err = e; }
    if (available === true) {
      expect(err).toBeUndefined(); // connections the kernel does not take are refused (ERR_KTLS)
    } else {
      expect(err).toBeInstanceOf(KtlsUnavailableError);
      expect((err as KtlsUnavailableError).code).toBe('ERR_KTLS_UNAVAILABLE');
      expect((err as Error).message).toMatch(/kernel TLS is unavailable: the kernel has no TLS upper-layer protocol/);
    }
  });

  it('setSecureContext needs a TLS server', () => {
    const s = createServer(base, noop);
    expect(() => s.setSecureContext(TLS)).toThrow(/without tls/);
  });
});
