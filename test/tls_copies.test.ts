/**
 * Sends by reference (issue 12) never bypass TLS: a frame JS sends back
 * unchanged from the batch arena goes through the connection's TLS session
 * like any other plaintext. A node:tls client verifies every record (a
 * plaintext byte on the wire would be a decryption error), and the echo must
 * be byte-exact, on both backends, inline and threaded.
 */
import type * as tls from 'node:tls';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { pattern } from './support/harness';
import { lengthFrame, readBytes } from './support/net';
import { useServers } from './support/servers';
import { makePki, removePki, tlsConnect } from './support/tls';
import { VARIANTS } from './support/variants';

const KiB = 1024;
const pki = makePki();
afterAll(() => removePki(pki));
const TLS = { key: pki.localhost.key, cert: pki.localhost.cert };

function wireOf(seed: number, count: number, size: number): Buffer {
  return Buffer.concat(Array.from({ length: count }, (_, i) => lengthFrame(pattern(seed * 1000 + i, size))));
}

describe.each(VARIANTS)('tls echo of frames sent back unchanged ($name)', ({ options }) => {
  const servers = useServers();
  const clients = new Set<tls.TLSSocket>();
  afterEach(() => {
    for (const c of clients) c.destroy();
    clients.clear();
  });
  const connect = async (port: number): Promise<tls.TLSSocket> => {
    const s = await tlsConnect(port, pki);
    clients.add(s);
    return s;
  };

  it('1 KiB to 64 KiB frames come back byte-exact through TLS, and none is sent by reference', async () => {
    const { server, port } = await servers.listen({ ...options, tls: TLS }, {
      onFrame(conn, frame) { conn.send(frame); },
    });
    const s = await connect(port);
    const sizes = [1024, 1025, 4 * KiB, 16 * KiB - 4, 16 * KiB + 1, 64 * KiB];
    const wire = Buffer.concat(sizes.map((n, i) => lengthFrame(pattern(100 + i, n))));
    const got = readBytes(s, wire.length);
    s.write(wire);
    expect((await got).equals(wire)).toBe(true);
    // The plaintext went through the session: nothing left the arena for the kernel as it is.
    expect(server.stats().copies.byReference).toBe(0);
  });

  it('many 4 KiB frames from several clients, with slices and write() of the same frame', async () => {
    const { server, port } = await servers.listen({ ...options, tls: TLS }, {
      onFrame(conn, frame) {
        conn.send(frame.subarray(0, frame.length - 1)); // a slice, framed
        conn.write(frame.subarray(0, 4));               // raw bytes of the same arena
        conn.send(frame);                               // the whole frame
      },
    });
    const ss = await Promise.all([connect(port), connect(port), connect(port)]);
    const payloads = Array.from({ length: 64 }, (_, i) => pattern(7000 + i, 4 * KiB));
    const wire = Buffer.concat(payloads.map((p) => lengthFrame(p)));
    const expected = Buffer.concat(payloads.flatMap((p) => [lengthFrame(p.subarray(0, p.length - 1)), p.subarray(0, 4), lengthFrame(p)]));
    const got = ss.map((s) => readBytes(s, expected.length));
    for (const s of ss) s.write(wire);
    for (const g of got) expect((await g).equals(expected)).toBe(true);
    expect(server.stats().copies.byReference).toBe(0);
  });

  it('a client that reads late (more than the TLS session encrypts ahead) still gets every byte', async () => {
    const { port } = await servers.listen({ ...options, tls: TLS, highWaterMark: 16 * 1024 * 1024 }, {
      onFrame(conn, frame) { conn.send(frame); },
    });
    const s = await connect(port);
    s.pause();
    const wire = wireOf(3, 400, 4 * KiB); // ~1.6 MiB: far beyond the socket buffers and 64 KiB of records ahead
    s.write(wire);
    await new Promise((r) => setTimeout(r, 200));
    const got = readBytes(s, wire.length, 20_000);
    s.resume();
    expect((await got).equals(wire)).toBe(true);
  });
});
