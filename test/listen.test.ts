import { execFile } from 'node:child_process';
/**
 * listen() and close() over real sockets: every kind of address, what the
 * Connection reports about both ends, bind failures, state errors, the port
 * being free again after close(), and exact per-worker stats().
 */
import * as dns from 'node:dns';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ServerStateError, SystemError, type Connection, type Handlers, type ListenOptions } from '../src/index';
import { lengthFrame, waitFor } from './support/net';
import { Collector, useServers } from './support/servers';
import { VARIANTS } from './support/variants';

let unique = 0;
const socketPath = () => path.join(os.tmpdir(), `ringnet-listen-${process.pid}-${++unique}.sock`);
const abstractName = () => `\0ringnet-listen-${process.pid}-${++unique}`;

/** Echo handlers that keep every accepted Connection. */
function echoHandlers() {
  const conns: Connection[] = [];
  const handlers: Handlers = {
    onOpen: (c) => void conns.push(c),
    onFrame: (c, f) => void c.send(f),
  };
  return { conns, handlers };
}

async function expectEcho(client: net.Socket, text = 'ping') {
  const rx = new Collector(client);
  client.write(lengthFrame(text));
  expect((await rx.take(4 + text.length)).subarray(4).toString()).toBe(text);
}

/** What node:net itself reports for a connection from `host` to a server on `listenHost`. */
async function nodeNetView(listenHost: string, host: string) {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, listenHost, r));
  const port = (server.address() as net.AddressInfo).port;
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = net.connect({ port, host });
  const s = await accepted;
  const view = { remoteAddress: s.remoteAddress, remoteFamily: s.remoteFamily, localAddress: s.localAddress };
  client.destroy();
  s.destroy();
  await new Promise((r) => server.close(r));
  return view;
}

describe.each(VARIANTS)('listen ($name)', (variant) => {
  const servers = useServers();
  const listen = (at: ListenOptions, handlers: Handlers = echoHandlers().handlers) => servers.listen(variant.options, handlers, at);

  describe('TCP addresses', () => {
    it("host '127.0.0.1', port 0: resolves {address, family, port > 0}, the same as server.address()", async () => {
      const server = servers.create(variant.options, echoHandlers().handlers);
      const bound = await server.listen({ host: '127.0.0.1', port: 0 });
      expect(bound).toEqual({ address: '127.0.0.1', family: 'IPv4', port: expect.any(Number) });
      expect(bound.port).toBeGreaterThan(0);
      expect(server.address()).toEqual(bound);
      expect(server.listening).toBe(true);
      await expectEcho(await servers.connect(bound.port, '127.0.0.1'));
    });

    it("host '::1': an IPv6 listener", async () => {
      const server = servers.create(variant.options, echoHandlers().handlers);
      const bound = await server.listen({ host: '::1', port: 0 });
      expect(bound).toMatchObject({ address: '::1', family: 'IPv6' });
      await expectEcho(await servers.connect(bound.port, '::1'));
    });

    it("host 'localhost' is resolved like dns.lookup() does", async () => {
      const { address, family } = await dns.promises.lookup('localhost');
      const server = servers.create(variant.options, echoHandlers().handlers);
      const bound = await server.listen({ host: 'localhost', port: 0 });
      expect(bound).toMatchObject({ address, family: `IPv${family}` });
      await expectEcho(await servers.connect(bound.port, address));
    });

    it('an unresolvable host rejects with a SystemError from getaddrinfo', async () => {
      const server = servers.create(variant.options, {});
      await expect(server.listen({ host: 'no-such-host.invalid', port: 0 })).rejects.toMatchObject({ syscall: 'getaddrinfo' });
    });

    it('default host: every interface, IPv4 and IPv6 clients both connect', async () => {
      const server = servers.create(variant.options, echoHandlers().handlers);
      const bound = await server.listen({ port: 0 });
      expect(bound).toMatchObject({ address: '::', family: 'IPv6' });
      await expectEcho(await servers.connect(bound.port, '127.0.0.1'), 'v4');
      await expectEcho(await servers.connect(bound.port, '::1'), 'v6');
    });
  });

  describe('Unix sockets', () => {
    it('a path in os.tmpdir(): serves, and the file is removed by close()', async () => {
      const file = socketPath();
      const { server } = await listen({ path: file });
      expect(server.address()).toEqual({ address: file, family: 'unix', port: 0 });
      expect(fs.statSync(file).isSocket()).toBe(true);
      await expectEcho(await servers.connectPath(file));
      await server.close();
      expect(fs.existsSync(file)).toBe(false);
    });

    it("an abstract name ('\\0name'): serves, no file is created", async () => {
      const name = abstractName();
      const { server } = await listen({ path: name });
      expect(server.address()).toMatchObject({ address: name, family: 'unix' });
      // Bound with the name's exact length (the Linux convention). Node 20's
      // net.connect pads abstract names to 108 bytes, so a Python client
      // (exact length, like socat, Go, Rust) makes the round trip.
      const script = [
        'import socket,struct,sys',
        's=socket.socket(socket.AF_UNIX)',
        `s.connect(b"\\0" + ${JSON.stringify(name.slice(1))}.encode())`,
        's.sendall(struct.pack(">I",4)+b"ping")',
        'buf=b""',
        'while len(buf)<8: buf+=s.recv(64)',
        'sys.stdout.write(buf[4:8].decode())',
      ].join('\n');
      const out = await new Promise<string>((resolve, reject) => {
        execFile('python3', ['-c', script], { timeout: 10_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
      });
      expect(out).toBe('ping');
      expect(fs.existsSync(name.slice(1))).toBe(false);
    });

    it("the Connection reports remoteFamily 'unix'", async () => {
      const file = socketPath();
      const echo = echoHandlers();
      await listen({ path: file }, echo.handlers);
      await expectEcho(await servers.connectPath(file));
      expect(echo.conns[0]?.remoteFamily).toBe('unix');
    });
  });

  describe('Connection addresses match the client socket', () => {
    it.each([
      { listenHost: '127.0.0.1', host: '127.0.0.1' },
      { listenHost: '::1', host: '::1' },
      { listenHost: '', host: '127.0.0.1' },
    ])("server on '$listenHost', client to $host", async ({ listenHost, host }) => {
      const echo = echoHandlers();
      const { port } = await listen(listenHost === '' ? { port: 0 } : { host: listenHost, port: 0 }, echo.handlers);
      const client = await servers.connect(port, host);
      await expectEcho(client);
      const conn = echo.conns[0] as Connection;
      const node = await nodeNetView(listenHost === '' ? '::' : listenHost, host);

      expect(conn.remotePort).toBe(client.localPort);
      expect(conn.localPort).toBe(client.remotePort);
      expect(conn.localPort).toBe(port);
      expect(conn.remoteAddress).toBe(node.remoteAddress); // e.g. ::ffff:127.0.0.1 on a dual-stack listener, as Node says
      expect(conn.remoteFamily).toBe(node.remoteFamily);
      expect(conn.localAddress).toBe(node.localAddress);
    });

    // The address text is shared between connections from one host (src/address_texts.ts):
    // each still reports its own port, in onClose too.
    it('50 clients from one host: each Connection has its client\'s port, still in onClose', async () => {
      const opened: Connection[] = [];
      const closedPorts: number[] = [];
      const handlers: Handlers = {
        onOpen: (c) => void opened.push(c),
        onFrame: (c, f) => void c.send(f),
        onClose: (c) => void closedPorts.push(c.remotePort),
      };
      const { port } = await listen({ host: '127.0.0.1', port: 0 }, handlers);
      const clients = await Promise.all(Array.from({ length: 50 }, () => servers.connect(port, '127.0.0.1')));
      await waitFor(() => opened.length === 50);
      const clientPorts = clients.map((s) => s.localPort as number).sort((a, b) => a - b);
      expect(opened.map((c) => c.remotePort).sort((a, b) => a - b)).toEqual(clientPorts);
      for (const c of opened) {
        expect(c.remoteAddress).toBe('127.0.0.1');
        expect(c.remoteFamily).toBe('IPv4');
        expect(c.localPort).toBe(port);
      }
      for (const s of clients) s.destroy();
      await waitFor(() => closedPorts.length === 50);
      expect(closedPorts.sort((a, b) => a - b)).toEqual(clientPorts);
    });

    // An IPv4 client's address is kept as a number and its text built when read
    // (src/address_texts.ts): clients from many hosts each get their own, in onClose too.
    it('clients from 40 different IPv4 hosts (127.x.y.z): each Connection reports its own address and port', async () => {
      const opened: Connection[] = [];
      const closed: string[] = [];
      const handlers: Handlers = {
        onOpen: (c) => void opened.push(c),
        onFrame: (c, f) => void c.send(f),
        onClose: (c) => void closed.push(`${c.remoteFamily} ${c.remoteAddress}:${c.remotePort} -> ${c.localAddress}:${c.localPort}`),
      };
      const { port } = await listen({ host: '127.0.0.1', port: 0 }, handlers);
      const hosts = Array.from({ length: 40 }, (_, i) => `127.${i * 6}.${255 - i}.${(i * 37) % 254 + 1}`);
      const clients = await Promise.all(hosts.map((localAddress) => new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ port, host: '127.0.0.1', localAddress }, () => resolve(s));
        s.once('error', reject);
      })));
      await waitFor(() => opened.length === hosts.length);
      const expected = clients.map((s) => `IPv4 ${s.localAddress as string}:${s.localPort as number} -> 127.0.0.1:${port}`).sort();
      const seen = opened.map((c) => `${c.remoteFamily} ${c.remoteAddress}:${c.remotePort} -> ${c.localAddress}:${c.localPort}`).sort();
      expect(seen).toEqual(expected);
      expect(new Set(opened.map((c) => c.remoteAddress)).size).toBe(hosts.length);
      for (const s of clients) s.destroy();
      await waitFor(() => closed.length === hosts.length);
      expect(closed.sort()).toEqual(expected);
    });
  });

  describe('errors', () => {
    it("a port in use: the second server rejects with SystemError EADDRINUSE from 'bind', and can listen elsewhere after", async () => {
      const { port } = await listen({ host: '127.0.0.1', port: 0 });
      const second = servers.create(variant.options, echoHandlers().handlers);
      let error: unknown;
      try {
        await second.listen({ host: '127.0.0.1', port });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(SystemError);
      expect(error).toMatchObject({ code: 'EADDRINUSE', syscall: 'bind' });
      expect(second.listening).toBe(false);

      const retry = await second.listen({ host: '127.0.0.1', port: 0 });
      await expectEcho(await servers.connect(retry.port));
    });

    it('listen() twice on one server rejects with ServerStateError (sequential and concurrent)', async () => {
      const server = servers.create(variant.options, echoHandlers().handlers);
      await server.listen({ host: '127.0.0.1', port: 0 });
      await expect(server.listen({ host: '127.0.0.1', port: 0 })).rejects.toBeInstanceOf(ServerStateError);

      const other = servers.create(variant.options, echoHandlers().handlers);
      const results = await Promise.allSettled([other.listen({ host: '127.0.0.1', port: 0 }), other.listen({ host: '127.0.0.1', port: 0 })]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: expect.any(ServerStateError) });
    });

    it("close() on a server that never listened rejects with 'ERR_SERVER_NOT_RUNNING'", async () => {
      const server = servers.create(variant.options, {});
      await expect(server.close()).rejects.toMatchObject({ code: 'ERR_SERVER_NOT_RUNNING' });
      await expect(server.close()).rejects.toBeInstanceOf(ServerStateError);
    });
  });

  describe('after close()', () => {
    it('new connections are refused and the port can be bound again', async () => {
      const { server, port } = await listen({ host: '127.0.0.1', port: 0 });
      await expectEcho(await servers.connect(port));
      await server.close();
      expect(server.listening).toBe(false);

      await expect(servers.connect(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

      const again = servers.create(variant.options, echoHandlers().handlers);
      expect((await again.listen({ host: '127.0.0.1', port })).port).toBe(port);
      await expectEcho(await servers.connect(port));
    });

    it('close() a second time resolves', async () => {
      const { server } = await listen({ host: '127.0.0.1', port: 0 });
      await server.close();
      await expect(server.close()).resolves.toBeUndefined();
    });
  });

  it('stats(): connections, bytes and frames in and out, per worker and in total, exactly', async () => {
    const echo = echoHandlers();
    const { server, port } = await listen({ host: '127.0.0.1', port: 0 }, echo.handlers);
    const size = 100;
    const perClient = [7, 13, 21]; // frames each client sends
    const clients = await Promise.all(perClient.map(() => servers.connect(port)));
    const receivers = clients.map((c) => new Collector(c));
    clients.forEach((c, i) => {
      for (let n = 0; n < (perClient[i] as number); n++) c.write(lengthFrame(Buffer.alloc(size, n)));
    });
    await Promise.all(receivers.map((rx, i) => rx.take((perClient[i] as number) * (size + 4))));
    await waitFor(() => echo.conns.length === clients.length, 5_000, 'onOpen for every client');

    const N = perClient.reduce((a, b) => a + b, 0);
    const stats = server.stats();
    expect(stats).toMatchObject({ connections: 3, framesIn: N, framesOut: N, bytesIn: N * (size + 4), bytesOut: N * (size + 4) });
    expect(stats.workers).toHaveLength(variant.options.workers as number);

    // Per worker: what that worker's connections carried.
    const byWorker = stats.workers.map(() => ({ connections: 0, frames: 0 }));
    for (const conn of echo.conns) {
      const i = clients.findIndex((c) => c.localPort === conn.remotePort);
      const w = byWorker[conn.worker] as { connections: number; frames: number };
      w.connections++;
      w.frames += perClient[i] as number;
    }
    stats.workers.forEach((w, i) => {
      const exp = byWorker[i] as { connections: number; frames: number };
      expect(w).toMatchObject({
        worker: i,
        connections: exp.connections,
        accepted: exp.connections,
        framesIn: exp.frames,
        framesOut: exp.frames,
        bytesIn: exp.frames * (size + 4),
        bytesOut: exp.frames * (size + 4),
      });
    });

    clients[0]?.destroy();
    await waitFor(() => server.stats().connections === 2, 5_000, 'stats().connections to drop to 2');
    expect(server.stats().workers.reduce((a, w) => a + w.closed, 0)).toBe(1);
  });
});
