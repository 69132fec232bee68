/**
 * PROXY protocol v1/v2 on a listener (listen({ proxyProtocol })): behind a
 * balancer conn.remoteAddress is the client's. Real clients: raw sockets that
 * write headers (whole, split byte by byte, followed by frames in the same
 * write), curl --haproxy-protocol, and HAProxy itself with send-proxy /
 * send-proxy-v2 in front of the server. A bad, missing or late header closes
 * that connection with a typed reason; the others carry on.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConnectionTimeoutError, InvalidOptionError, ProxyProtocolError, createServer,
  type CloseReason, type Connection, type ListenOptions, type Server, type ServerOptions,
} from '../src/index';
import { FrameReader, eventually, withTimeout } from './support/harness';
import { connect, lengthFrame, readBytes, sleep } from './support/net';
import { VARIANTS } from './support/variants';

const V2_SIG = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

function v2Header(verCmd: number, fam: number, block: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = verCmd;
  head[1] = fam;
  head.writeUInt16BE(block.length, 2);
  return Buffer.concat([V2_SIG, head, block]);
}

function v2Inet6(src: string, sport: number, dst: string, dport: number, tlvs = Buffer.alloc(0)): Buffer {
  const block = Buffer.alloc(36);
  ipv6Bytes(src).copy(block, 0);
  ipv6Bytes(dst).copy(block, 16);
  block.writeUInt16BE(sport, 32);
  block.writeUInt16BE(dport, 34);
  return v2Header(0x21, 0x21, Buffer.concat([block, tlvs]));
}

function ipv6Bytes(text: string): Buffer {
  // Expand "::" and read the eight groups (test addresses only).
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

interface Seen {
  remote: string;
  remotePort: number;
  family: string;
  local: string;
  localPort: number;
}

interface Closed {
  reason: CloseReason;
  error: Error | undefined;
}

const servers = new Set<Server<unknown>>();
const sockets = new Set<net.Socket>();
const children = new Set<ChildProcess>();
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  for (const c of children) c.kill('SIGKILL');
  children.clear();
  await Promise.all([...servers].map((s) => withTimeout(s.close({ timeout: 200 }), 10_000, 'close')));
  servers.clear();
});

function track(s: net.Socket): net.Socket {
  sockets.add(s);
  return s;
}

describe.each(VARIANTS)('PROXY protocol ($name)', ({ options }) => {
  // A length-framed echo server that records how each connection looked.
  async function start(proxyProtocol: ListenOptions['proxyProtocol'], extra: ServerOptions = {}) {
    const opened = new Map<number, Seen>();   // by the address the header gave (or the socket's)
    const closed: Closed[] = [];
    const record = (c: Connection) => ({
      remote: c.remoteAddress, remotePort: c.remotePort, family: c.remoteFamily, local: c.localAddress, localPort: c.localPort,
    });
    const server = createServer({ ...options, ...extra }, {
      onOpen: (c) => void opened.set(c.remotePort, record(c)),
      onFrame: (c, f) => void c.send(f),
      onClose: (_c, reason, error) => void closed.push({ reason, error }),
    });
    servers.add(server as Server<unknown>);
    const { port } = await server.listen({ host: '127.0.0.1', port: 0, proxyProtocol });
    return { server, port, opened, closed };
  }

  it('v1: remoteAddress/remotePort and the local side come from the header; frames after it in the same write arrive', async () => {
    const { port, opened } = await start(true);
    const s = track(await connect(port));
    const reader = new FrameReader(s);
    s.write(Buffer.concat([Buffer.from('PROXY TCP4 203.0.113.9 198.51.100.1 40001 443\r\n'), lengthFrame('one'), lengthFrame('two')]));
    await eventually(() => reader.frames.length === 2, 5000, () => `frames ${reader.texts()}`);
    expect(reader.texts()).toEqual(['one', 'two']);
    expect(opened.get(40001)).toEqual({ remote: '203.0.113.9', remotePort: 40001, family: 'IPv4', local: '198.51.100.1', localPort: 443 });
  });

  it('v2 IPv6 with TLVs, written one byte at a time, then frames', async () => {
    const { port, opened } = await start({ version: 2 });
    const s = track(await connect(port));
    s.setNoDelay(true);
    const reader = new FrameReader(s);
    const tlvs = Buffer.from([0x01, 0x00, 0x02, 0x68, 0x32, 0xea, 0x00, 0x03, 0x61, 0x62, 0x63]); // ALPN "h2", AWS-style custom
    const header = v2Inet6('2001:db8::7', 5555, '2001:db8::1', 8443, tlvs);
    for (const byte of header) {
      s.write(Buffer.from([byte]));
      await sleep(1);
    }
    s.write(lengthFrame('after'));
    await eventually(() => reader.frames.length === 1, 5000, () => `frames ${reader.texts()}`);
    expect(opened.get(5555)).toEqual({ remote: '2001:db8::7', remotePort: 5555, family: 'IPv6', local: '2001:db8::1', localPort: 8443 });
  });

  it('v2 LOCAL (a balancer health check) and v1 UNKNOWN keep the socket addresses', async () => {
    const { port, opened } = await start(true);
    for (const header of [v2Header(0x20, 0x00, Buffer.alloc(0)), Buffer.from('PROXY UNKNOWN\r\n')]) {
      const s = track(await connect(port));
      const reader = new FrameReader(s);
      s.write(Buffer.concat([header, lengthFrame('hc')]));
      await eventually(() => reader.frames.length === 1, 5000, () => 'health check echo');
      const seen = opened.get(s.localPort as number);
      expect(seen?.remote).toBe('127.0.0.1');
      expect(seen?.localPort).toBe(port);
    }
  });

  it('a missing, malformed or refused header closes only that connection with proxy-error', async () => {
    const { port, closed } = await start({ version: 1 });
    const good = track(await connect(port));
    const goodReader = new FrameReader(good);
    good.write('PROXY TCP4 192.0.2.1 192.0.2.2 1000 2000\r\n');
    const cases: Array<[Buffer, string, 1 | 2 | undefined]> = [
      [lengthFrame('no header at all'), 'missing', undefined],
      [Buffer.from('PROXY TCP4 192.0.2.1 192.0.2.2 1000 2000\n'), 'malformed', 1],  // LF without CR
      [Buffer.from('PROXY TCP4 192.0.2.01 192.0.2.2 1000 2000\r\n'), 'malformed', 1], // leading zero
      [v2Inet6('::1', 1, '::1', 2), 'version-refused', undefined],
      [Buffer.from(`PROXY UNKNOWN ${'x'.repeat(100)}`), 'too-long', undefined],
    ];
    for (const [bytes, fault, version] of cases) {
      const before = closed.length;
      const s = track(await connect(port));
      const r = new FrameReader(s);
      s.write(bytes);
      await eventually(() => closed.length === before + 1 && r.closed, 5000, () => `closes ${closed.length}, case ${fault}`);
      const { reason, error } = closed[before] as Closed;
      expect(reason).toBe('proxy-error');
      expect(error).toBeInstanceOf(ProxyProtocolError);
      expect((error as ProxyProtocolError).code).toBe('ERR_PROXY_PROTOCOL');
      expect((error as ProxyProtocolError).fault).toBe(fault);
      expect((error as ProxyProtocolError).version).toBe(version);
      expect(r.frames).toEqual([]);  // nothing was echoed: the bytes never reached a handler
    }
    // A FIN in the middle of the header.
    const half = track(await connect(port));
    half.end('PROXY TCP4 1.2');
    await eventually(() => closed.length === cases.length + 1, 5000, () => 'truncated close');
    expect((closed.at(-1)?.error as ProxyProtocolError).fault).toBe('truncated');
    // The good connection is unaffected.
    good.write(lengthFrame('still here'));
    await eventually(() => goodReader.frames.length === 1, 5000, () => 'good echo');
  });

  it('header timeout: a silent connection closes with proxy-timeout (FIN); timeouts start after the header', async () => {
    const { port, closed } = await start({ timeout: 300 }, { idleTimeout: 0 });
    const silent = track(await connect(port));
    const r = new FrameReader(silent);
    const t0 = Date.now();
    await eventually(() => r.closed, 5000, () => 'silent close');
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(r.events).toContain('end');  // FIN, not a reset
    // The client may see the FIN before the server's onClose has run.
    await eventually(() => closed.length === 1, 5000, () => 'onClose after the proxy timeout');
    expect(closed[0]?.reason).toBe('proxy-timeout');
    expect(closed[0]?.error).toBeInstanceOf(ConnectionTimeoutError);
    expect((closed[0]?.error as ConnectionTimeoutError).code).toBe('ERR_PROXY_TIMEOUT');
    // A connection that sent its header in time stays past the timeout.
    const ok = track(await connect(port));
    const okReader = new FrameReader(ok);
    ok.write('PROXY TCP4 192.0.2.1 192.0.2.2 1000 2000\r\n');
    await sleep(600);
    ok.write(lengthFrame('late frame'));
    await eventually(() => okReader.frames.length === 1, 5000, () => 'echo after the timeout');
  });

  it('broadcastAll does not reach a connection whose header is not in yet', async () => {
    const { server, port } = await start(true);
    const member = track(await connect(port));
    const memberReader = new FrameReader(member);
    member.write('PROXY TCP4 192.0.2.1 192.0.2.2 1000 2000\r\n');
    const waiting = track(await connect(port));
    const waitingBytes: Buffer[] = [];
    waiting.on('data', (d: Buffer) => waitingBytes.push(d));
    waiting.write('PROXY TCP4 192.0.2');  // incomplete
    await eventually(() => server.connections().length === 1, 5000, () => `connections ${server.connections().length}`);
    expect(server.broadcastAll(Buffer.from('all'))).toBe(true);
    await eventually(() => memberReader.frames.length === 1, 5000, () => 'member got the broadcast');
    await sleep(100);
    expect(waitingBytes).toEqual([]);
  });
});

describe('PROXY protocol with real clients', () => {
  it('HTTP framing behind curl --haproxy-protocol: the request sees the header\'s address', async () => {
    const seen: string[] = [];
    const server = createServer({ framing: { type: 'http' } }, {
      onRequest(req, res) {
        seen.push(`${req.connection.remoteAddress}:${req.connection.remotePort}`);
        res.end('hi');
      },
    });
    servers.add(server as Server<unknown>);
    const { port } = await server.listen({ host: '127.0.0.1', port: 0, proxyProtocol: true });
    // Asynchronously: the inline worker runs on this thread.
    const out = await run('curl', ['-s', '--haproxy-protocol', `http://127.0.0.1:${port}/`]);
    expect(out).toBe('hi');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^127\.0\.0\.1:\d+$/);
    // Without the header the same request is refused.
    const plain = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${port}/`]);
    expect(plain).toBe('000');
  });

  const haproxy = spawnSync('haproxy', ['-v'], { encoding: 'utf8' });
  it.skipIf(haproxy.status !== 0)('behind HAProxy (send-proxy and send-proxy-v2): remotePort is the client\'s, not HAProxy\'s', async () => {
    const seen = new Map<number, string>();
    const server = createServer({}, {
      onOpen: (c) => void seen.set(c.remotePort, c.remoteAddress),
      onFrame: (c, f) => void c.send(f),
    });
    servers.add(server as Server<unknown>);
    const { port } = await server.listen({ host: '127.0.0.1', port: 0, proxyProtocol: true });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringnet-haproxy-'));
    const [fe1, fe2] = [await freePort(), await freePort()];
    fs.writeFileSync(path.join(dir, 'haproxy.cfg'), [
      'global', '  maxconn 100', 'defaults', '  mode tcp', '  timeout connect 2s', '  timeout client 10s', '  timeout server 10s',
      `listen v1`, `  bind 127.0.0.1:${fe1}`, `  server ringnet 127.0.0.1:${port} send-proxy`,
      `listen v2`, `  bind 127.0.0.1:${fe2}`, `  server ringnet 127.0.0.1:${port} send-proxy-v2`, '',
    ].join('\n'));
    const hp = spawn('haproxy', ['-db', '-f', path.join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.add(hp);
    let hpErr = '';
    hp.stderr?.on('data', (d: Buffer) => (hpErr += d.toString()));
    for (const fe of [fe1, fe2]) {
      let s: net.Socket | undefined;
      for (let i = 0; i < 100 && s === undefined; i++) {
        s = await connect(fe).catch(async () => { await sleep(50); return undefined; });
      }
      expect(s, `haproxy did not listen: ${hpErr}`).toBeDefined();
      const sock = track(s as net.Socket);
      sock.write(lengthFrame('through haproxy'));
      const echoed = await readBytes(sock, 4 + 15, 5000);
      expect(echoed.subarray(4).toString()).toBe('through haproxy');
      expect(seen.get(sock.localPort as number)).toBe('127.0.0.1');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('PROXY protocol options', () => {
  it('rejects bad values with InvalidOptionError', async () => {
    const server = createServer({}, {});
    for (const bad of [{ timeout: -1 }, { version: 3 }, { maxLength: 8 }, { maxLength: 70000 }]) {
      await expect(server.listen({ port: 0, proxyProtocol: bad as never })).rejects.toBeInstanceOf(InvalidOptionError);
    }
    expect(server.listening).toBe(false);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

// stdout of a command; curl must not inherit a preloaded sanitizer runtime (test:asan).
function run(cmd: string, args: string[]): Promise<string> {
  const env = { ...process.env };
  delete env.LD_PRELOAD;
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: 10_000 }, (_err, stdout) => resolve(String(stdout)));
  });
}
