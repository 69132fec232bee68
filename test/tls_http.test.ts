/**
 * HTTPS and goim over TLS with real clients (curl, node:https, a raw TLS
 * socket pipelining), node:https and ringnet serving TLS side by side in one
 * process (two OpenSSL copies that must not mix), and the addon's dynamic
 * symbol table: only the Node-API entry points, no OpenSSL.
 */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import type * as tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import type { GoimFrame } from '../src/index';
import { useHarness } from './support/harness';
import { GoimReader, goimPacket } from './support/goim';
import { waitFor } from './support/net';
import { TOOL_ENV, hasTool, makePki, readUntil, removePki, tlsConnect } from './support/tls';
import { VARIANTS } from './support/variants';

const pki = makePki();
afterAll(() => removePki(pki));
const TLS = { key: pki.localhost.key, cert: pki.localhost.cert };
const HAS_CURL = hasTool('curl', ['--version']);

function curl(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--cacert', pki.ca, ...args], { timeout: 20_000, env: TOOL_ENV }, (err, stdout, stderr) => {
      resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? 1) : 0 });
    });
  });
}

function get(port: number, agent: https.Agent, p: string): Promise<{ status: number; body: string; alpn: string | false; socket: unknown }> {
  return new Promise((resolve, reject) => {
    // ALPNProtocols reaches tls.connect (https.RequestOptions' types omit it).
    const opts: https.RequestOptions & Pick<tls.ConnectionOptions, 'ALPNProtocols'> =
      { host: '127.0.0.1', port, path: p, agent, ca: pki.caPem, servername: 'localhost', ALPNProtocols: ['http/1.1'] };
    const req = https.get(opts, (res) => {
      let body = '';
      const socket = res.socket as import('node:tls').TLSSocket; // gone from res once it is back in the agent
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode as number, body, alpn: socket.alpnProtocol ?? false, socket }));
    });
    req.on('error', reject);
  });
}

describe.each(VARIANTS)('https ($name)', ({ options }) => {
  const h = useHarness();

  function hello() {
    return h.listen({ ...options, framing: { type: 'http' }, tls: TLS }, {
      onRequest(req, res) {
        res.setHeader('content-type', 'text/plain');
        res.end(`hello ${req.url}`);
      },
    });
  }

  it.runIf(HAS_CURL)('curl over HTTPS: keep-alive reuses the connection, ALPN http/1.1', async () => {
    const { port } = await hello();
    const base = `https://localhost:${port}`;
    const r = await curl(['--resolve', `localhost:${port}:127.0.0.1`, '-w', ' [%{num_connects} %{http_version}]\n',
      `${base}/a`, `${base}/b`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('hello /a [1 1.1]\nhello /b [0 1.1]\n');
  });

  it('node:https with a keep-alive agent: several requests on one TLS socket', async () => {
    const { port } = await hello();
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const results = [];
    for (const p of ['/1', '/2', '/3']) results.push(await get(port, agent, p));
    expect(results.map((r) => [r.status, r.body, r.alpn])).toEqual([
      [200, 'hello /1', 'http/1.1'], [200, 'hello /2', 'http/1.1'], [200, 'hello /3', 'http/1.1'],
    ]);
    expect(new Set(results.map((r) => r.socket)).size).toBe(1);
    agent.destroy();
  });

  it('pipelined requests over one raw TLS socket come back in order', async () => {
    const { port } = await hello();
    const s = await tlsConnect(port, pki, { ALPNProtocols: ['http/1.1'] });
    s.write('GET /p1 HTTP/1.1\r\nHost: x\r\n\r\nGET /p2 HTTP/1.1\r\nHost: x\r\n\r\nGET /p3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const text = await readUntil(s, (t) => t.includes('hello /p3'));
    const bodies = [...text.matchAll(/hello \/p\d/g)].map((m) => m[0]);
    expect(bodies).toEqual(['hello /p1', 'hello /p2', 'hello /p3']);
    s.destroy();
  });

  it('goim over TLS: auth gate, native heartbeat replies, pushes', async () => {
    const { port } = await h.listen({ ...options, framing: { type: 'goim' }, tls: TLS }, {
      onAuth: () => true,
      onFrame(c, f: GoimFrame) { c.send({ op: 5, seq: f.seq, body: f.body }); },
    });
    const s = await tlsConnect(port, pki);
    const reader = new GoimReader(s);
    s.write(goimPacket(7, 1, '{"mid":1}'));
    await waitFor(() => reader.packets.length === 1, 10_000, 'auth reply'); // a client waits for op 8
    s.write(goimPacket(2, 2));
    s.write(goimPacket(4, 3, 'msg'));
    await waitFor(() => reader.packets.length >= 3, 10_000, 'three replies');
    expect(reader.packets.slice(0, 3).map((p) => [p.op, p.seq])).toEqual([[8, 1], [3, 2], [5, 3]]);
    expect(reader.packets[2]?.body.toString()).toBe('msg');
    s.destroy();
  });
});

describe('two OpenSSL copies in one process', () => {
  const h = useHarness();

  it('node:https and a ringnet TLS server serve side by side', async () => {
    const nodeServer = https.createServer({ key: fs.readFileSync(TLS.key), cert: fs.readFileSync(TLS.cert) }, (_req, res) => res.end('node'));
    await new Promise<void>((r) => nodeServer.listen(0, '127.0.0.1', r));
    const nodePort = (nodeServer.address() as import('node:net').AddressInfo).port;
    const { port } = await h.listen({ framing: { type: 'http' }, tls: TLS }, { onRequest(_req, res) { res.end('ringnet'); } });
    const agent = new https.Agent({ keepAlive: false });
    for (let i = 0; i < 3; i++) {
      const [a, b] = await Promise.all([get(nodePort, agent, '/'), get(port, agent, '/')]);
      expect([a.body, b.body]).toEqual(['node', 'ringnet']);
    }
    agent.destroy();
    await new Promise((r) => nodeServer.close(r));
  });

  it.runIf(hasTool('nm', ['--version']))('the addon exports only the Node-API entry points (no SSL_/CRYPTO_/EVP_)', () => {
    const addon = process.env.RINGNET_ADDON_PATH
      ? path.resolve(process.env.RINGNET_ADDON_PATH)
      : path.join(__dirname, '..', 'build', 'Release', 'ringnet.node');
    const out = execFileSync('nm', ['-D', '--defined-only', addon], { env: TOOL_ENV }).toString();
    const names = out.trim().split('\n').map((l) => l.trim().split(/\s+/).pop() as string);
    expect(names.filter((n) => /SSL_|CRYPTO_|EVP_|OPENSSL|BIO_/.test(n))).toEqual([]);
    expect(names.sort()).toEqual(['napi_register_module_v1', 'node_api_module_get_api_version_v1']);
  });
});
