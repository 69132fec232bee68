/**
 * Options: createServer() rejects bad ones with InvalidOptionError naming the
 * option; every connection option reaches the kernel (read back with
 * getOption() over a real accepted connection); setOption()/getOption()/
 * tcpInfo() at runtime; listener options that change what the kernel does.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createServer, InvalidOptionError, RingnetError,
  type Connection, type ConnectionOptionName, type ConnectionSocketOptions, type ServerOptions,
} from '../src/index';
import { lengthFrame, sleep, waitFor } from './support/net';
import { Collector, useServers } from './support/servers';
import { VARIANTS } from './support/variants';
import { normalizeOptions } from '../src/options';
import { SOCKET_OPTION_IDS } from '../src/options/socket';

// ------------------------------------------------------------------ validation

describe('createServer() rejects invalid options with InvalidOptionError naming the option', () => {
  const cases: Array<[string, unknown]> = [
    ['options.bogus', { bogus: 1 }],
    ['workers', { workers: 0 }],
    ['workers', { workers: 1.5 }],
    ['workers', { workers: 'two' }],
    ['backend', { backend: 'kqueue' }],
    ['inlineWorker', { inlineWorker: 'yes' }],
    ['acceptMode', { acceptMode: 'foo' }],
    ['framing.type', { framing: { type: 'x' } }],
    ['framing.lengthFieldLength', { framing: { type: 'length', lengthFieldLength: 5 } }],
    ['framing.byteOrder', { framing: { type: 'length', byteOrder: 'middle' } }],
    ['framing.delimiter', { framing: { type: 'delimiter', delimiter: '' } }],
    ['framing.frameLength', { framing: { type: 'fixed', frameLength: 0 } }],
    ['framing.bogus', { framing: { type: 'raw', bogus: 1 } }],
    ['connection.noDelay', { connection: { noDelay: 'yes' } }],
    ['connection.keepAlive.idle', { connection: { keepAlive: { idle: 0 } } }],
    ['connection.tos', { connection: { tos: 300 } }],
    ['connection.linger', { connection: { linger: -1 } }],
    ['connection.bogus', { connection: { bogus: true } }],
    ['server.backlog', { server: { backlog: 0 } }],
    ['server.bogus', { server: { bogus: true } }],
    ['maxOutbound', { highWaterMark: 1000, maxOutbound: 999 }],
    ['framing.methods', { framing: { type: 'http', methods: [] } }],
    ['framing.methods', { framing: { type: 'http', methods: 'GET' } }],
    ['framing.methods', { framing: { type: 'http', methods: ['GET', 'GET'] } }],
    ['framing.methods', { framing: { type: 'http', methods: ['GET', 'NOT A TOKEN'] } }],
    ['framing.methods', { framing: { type: 'http', methods: ['X'.repeat(33)] } }],
    ['framing.methods', { framing: { type: 'http', methods: [7] } }],
    ['framing.maxChunkExtensionSize', { framing: { type: 'http', maxChunkExtensionSize: 65537 } }],
  ];

  it.each(cases)('%s: %j', (option, options) => {
    let error: unknown;
    try {
      createServer(options as ServerOptions, {});
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toBeInstanceOf(RingnetError);
    const e = error as InvalidOptionError;
    expect(e.code).toBe('ERR_INVALID_OPTION');
    expect(e.option).toBe(option);
    expect(e.message).toContain(option);
  });
});

// ------------------------------------------------------------------ connection options

/** The kernel doubles SO_SNDBUF/SO_RCVBUF requests (capped by the *mem_max sysctl). */
function kernelBuffer(requested: number, sysctl: 'wmem_max' | 'rmem_max'): number {
  const max = Number(fs.readFileSync(`/proc/sys/net/core/${sysctl}`, 'utf8'));
  return 2 * Math.min(requested, max);
}

interface OptionCase {
  name: string;
  set: ConnectionSocketOptions;
  read: ConnectionOptionName;
  /** What getOption() returns when the option is set. */
  expected: unknown;
  /** The kernel default is the same value: nothing to contrast with. */
  sameAsDefault?: true;
}

const OPTION_CASES: OptionCase[] = [
  { name: 'noDelay true', set: { noDelay: true }, read: 'noDelay', expected: true },
  { name: 'cork true', set: { cork: true }, read: 'cork', expected: true },
  {
    name: 'keepAlive {idle 30, interval 5, count 4}',
    set: { keepAlive: { idle: 30, interval: 5, count: 4 } },
    read: 'keepAlive',
    expected: { enabled: true, idle: 30, interval: 5, count: 4 },
  },
  { name: 'keepAlive true', set: { keepAlive: true }, read: 'keepAlive', expected: expect.objectContaining({ enabled: true }) },
  { name: 'userTimeout 5000', set: { userTimeout: 5000 }, read: 'userTimeout', expected: 5000 },
  { name: 'linger 0', set: { linger: 0 }, read: 'linger', expected: 0 },
  { name: 'linger 5', set: { linger: 5 }, read: 'linger', expected: 5 },
  { name: 'linger false', set: { linger: false }, read: 'linger', expected: -1, sameAsDefault: true },
  { name: 'sendBuffer 65536', set: { sendBuffer: 65536 }, read: 'sendBuffer', expected: kernelBuffer(65536, 'wmem_max') },
  // 40000, not 65536: 2 * 65536 is this kernel's default receive buffer, which would prove nothing.
  { name: 'recvBuffer 40000', set: { recvBuffer: 40000 }, read: 'recvBuffer', expected: kernelBuffer(40000, 'rmem_max') },
  { name: 'notSentLowat 16384', set: { notSentLowat: 16384 }, read: 'notSentLowat', expected: 16384 },
  { name: 'tos 0x10 (IPv4)', set: { tos: 0x10 }, read: 'tos', expected: 0x10 },
  { name: 'priority 3', set: { priority: 3 }, read: 'priority', expected: 3 },
  { name: 'busyPoll 50', set: { busyPoll: 50 }, read: 'busyPoll', expected: 50 },
];

describe.each(VARIANTS)('connection options ($name)', (variant) => {
  const servers = useServers();

  /** Starts a server, connects one IPv4 client and returns the server-side Connection. */
  async function accepted(options: ServerOptions = {}, onOpen?: (conn: Connection) => void) {
    let conn: Connection | undefined;
    const closes: string[] = [];
    const { port, server } = await servers.listen(
      { ...variant.options, ...options },
      {
        onOpen(c) {
          conn = c;
          onOpen?.(c);
        },
        onFrame: (c, f) => void c.send(f),
        onClose: (_c, reason) => void closes.push(reason),
      },
    );
    const client = await servers.connect(port);
    await waitFor(() => conn !== undefined, 5_000, 'onOpen');
    return { conn: conn as Connection, client, server, port, closes };
  }

  it.each(OPTION_CASES)('$name: set through createServer, read back in onOpen', async (c) => {
    let readInOnOpen: unknown;
    let readError: unknown;
    await accepted({ connection: c.set }, (conn) => {
      try {
        readInOnOpen = conn.getOption(c.read);
      } catch (err) {
        readError = err;
      }
    });
    expect(readError).toBeUndefined();
    expect(readInOnOpen).toEqual(c.expected);

    // Contrast: a connection of a server without the option reads something else.
    if (c.sameAsDefault) return;
    const plain = await accepted();
    expect(plain.conn.getOption(c.read)).not.toEqual(c.expected);
  });

  it('quickAck true: accepted by createServer and setOption (TCP_QUICKACK is not sticky, so not read back)', async () => {
    const { conn, client } = await accepted({ connection: { quickAck: true } });
    expect(() => conn.setOption('quickAck', true)).not.toThrow();
    expect(() => conn.setOption('quickAck', false)).not.toThrow();
    const rx = new Collector(client);
    client.write(lengthFrame('still works'));
    expect((await rx.take(15)).subarray(4).toString()).toBe('still works');
  });

  it('setOption() at runtime is read back by getOption()', async () => {
    const { conn } = await accepted();
    const changes: Array<[ConnectionOptionName, Parameters<Connection['setOption']>[1], unknown]> = [
      ['noDelay', true, true],
      ['noDelay', false, false],
      ['cork', true, true],
      ['keepAlive', { idle: 77, interval: 9, count: 3 }, { enabled: true, idle: 77, interval: 9, count: 3 }],
      ['keepAlive', false, expect.objectContaining({ enabled: false })],
      ['userTimeout', 1234, 1234],
      ['linger', 3, 3],
      ['linger', false, -1],
      ['tos', 0x20, 0x20],
      ['priority', 5, 5],
      ['notSentLowat', 4096, 4096],
      ['busyPoll', 20, 20],
      ['sendBuffer', 32768, kernelBuffer(32768, 'wmem_max')],
    ];
    for (const [name, value, expected] of changes) {
      conn.setOption(name, value);
      expect(conn.getOption(name), `${name} = ${JSON.stringify(value)}`).toEqual(expected);
    }
  });

  it('setOption() with a bad value or an unknown name throws InvalidOptionError and changes nothing', async () => {
    const { conn } = await accepted({ connection: { tos: 0x10 } });
    const bad: Array<[string, unknown]> = [
      ['tos', 256],
      ['noDelay', 'yes'],
      ['linger', -1],
      ['keepAlive', { idle: 0 }],
      ['priority', 1.5],
      ['bogus', 1],
    ];
    for (const [name, value] of bad) {
      let error: unknown;
      try {
        conn.setOption(name as ConnectionOptionName, value as number);
      } catch (err) {
        error = err;
      }
      expect(error, `${name} = ${JSON.stringify(value)}`).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).code).toBe('ERR_INVALID_OPTION');
      expect((error as InvalidOptionError).message).toContain(name);
    }
    expect(conn.getOption('tos')).toBe(0x10);
  });

  it("getOption()/setOption()/tcpInfo() after the connection closed throw ERR_SOCKET_CLOSED", async () => {
    const { conn, client, closes } = await accepted();
    client.destroy();
    await waitFor(() => closes.length === 1, 5_000, 'onClose');
    expect(conn.closed).toBe(true);
    for (const call of [() => conn.getOption('noDelay'), () => conn.setOption('noDelay', true), () => conn.tcpInfo()]) {
      let error: unknown;
      try {
        call();
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(RingnetError);
      expect((error as RingnetError).code).toBe('ERR_SOCKET_CLOSED');
    }
  });

  it('tcpInfo() after some traffic: rtt > 0, sndMss > 0, cwnd > 0, bytes counted', async () => {
    const { conn, client } = await accepted();
    const rx = new Collector(client);
    for (let i = 0; i < 20; i++) {
      client.write(lengthFrame(`ping ${i}`));
      await rx.take(4 + `ping ${i}`.length);
    }
    const info = conn.tcpInfo();
    expect(info.rtt).toBeGreaterThan(0);
    expect(info.sndMss).toBeGreaterThan(0);
    expect(info.cwnd).toBeGreaterThan(0);
    expect(info.state).toBe(1); // TCP_ESTABLISHED
    expect(info.bytesReceived).toBeGreaterThanOrEqual(20 * 10);
    expect(info.bytesAcked).toBeGreaterThan(0);
  });

  it('tcpInfo() on a Unix-socket connection throws (there is no TCP_INFO)', async () => {
    let conn: Connection | undefined;
    const file = path.join(os.tmpdir(), `ringnet-options-${process.pid}-${Date.now()}.sock`);
    await servers.listen(variant.options, { onOpen: (c) => void (conn = c) }, { path: file });
    await servers.connectPath(file);
    await waitFor(() => conn !== undefined, 5_000, 'onOpen');
    expect(() => (conn as Connection).tcpInfo()).toThrow();
  });
});

// ------------------------------------------------------------------ listener options

describe.each(VARIANTS)('server (listener) options ($name)', (variant) => {
  const servers = useServers();
  const echo = { onFrame: (c: Connection, f: Buffer) => void c.send(f) };

  async function expectEcho(port: number, host: string) {
    const client = await servers.connect(port, host);
    const rx = new Collector(client);
    client.write(lengthFrame('hi'));
    expect((await rx.take(6)).subarray(4).toString()).toBe('hi');
  }

  it("ipv6Only on host '::': IPv6 clients connect, an IPv4 client is refused", async () => {
    const { port } = await servers.listen({ ...variant.options, server: { ipv6Only: true } }, echo, { host: '::', port: 0 });
    await expectEcho(port, '::1');
    await expect(servers.connect(port, '127.0.0.1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it("without ipv6Only, host '::' also accepts IPv4 clients", async () => {
    const { port } = await servers.listen({ ...variant.options, server: { ipv6Only: false } }, echo, { host: '::', port: 0 });
    await expectEcho(port, '127.0.0.1');
    await expectEcho(port, '::1');
  });

  it('reuseAddr false still listens and echoes', async () => {
    const { port } = await servers.listen({ ...variant.options, server: { reuseAddr: false } }, echo);
    await expectEcho(port, '127.0.0.1');
  });

  it('deferAccept 5: the connection is accepted (onOpen) only once data arrives', async () => {
    let opened = 0;
    const { port } = await servers.listen(
      { ...variant.options, server: { deferAccept: 5 } },
      { ...echo, onOpen: () => void opened++ },
    );
    const client = await servers.connect(port);
    await sleep(300);
    expect(opened).toBe(0);
    const rx = new Collector(client);
    client.write(lengthFrame('data'));
    expect((await rx.take(8)).subarray(4).toString()).toBe('data');
    expect(opened).toBe(1);
  });

  it('backlog, reusePort and fastOpen are accepted and the server serves', async () => {
    const { port } = await servers.listen({ ...variant.options, server: { backlog: 16, reusePort: true, fastOpen: 8 } }, echo);
    await expectEcho(port, '127.0.0.1');
  });
});

// ------------------------------------------------ protocol defaults: TCP_NODELAY

describe.each(VARIANTS)('protocols with native replies default to TCP_NODELAY ($name)', (variant) => {
  const servers = useServers();

  /** The server-side Connection of one IPv4 client of a server with these options. */
  async function opened(options: ServerOptions, handlers: Record<string, unknown>): Promise<Connection> {
    let conn: Connection | undefined;
    const { port } = await servers.listen({ ...variant.options, ...options }, {
      ...handlers,
      onOpen(c: Connection) { conn = c; },
    } as never);
    await servers.connect(port);
    await waitFor(() => conn !== undefined, 5_000, 'onOpen');
    return conn as Connection;
  }

  // goim's heartbeat replies leave natively in their own send: with Nagle on, a handler's
  // reply right behind one waits for the client's delayed ACK (~40 ms; docs/bench/default-quiet-windows.md).
  const goim = { framing: { type: 'goim' as const } };
  const goimHandlers = { onFrame: () => {} };

  it('goim: noDelay on unless connection.noDelay says otherwise; length framing keeps the kernel default', async () => {
    expect((await opened(goim, goimHandlers)).getOption('noDelay')).toBe(true);
    expect((await opened({ ...goim, connection: { noDelay: false } }, goimHandlers)).getOption('noDelay')).toBe(false);
    expect((await opened({ ...goim, connection: { keepAlive: true } }, goimHandlers)).getOption('noDelay')).toBe(true);
    expect((await opened({ framing: { type: 'length' } }, { onFrame: () => {} })).getOption('noDelay')).toBe(false);
  });
});

describe('WebSocket framings default to TCP_NODELAY (pongs and closes leave natively)', () => {
  const NODELAY: [number, number] = [SOCKET_OPTION_IDS.noDelay, 1];
  it.each([
    ['websocket', { framing: { type: 'websocket' } }, true],
    ['goim over WebSocket', { framing: { type: 'goim', transport: 'websocket' } }, true],
    ['websocket, connection.noDelay false', { framing: { type: 'websocket' }, connection: { noDelay: false } }, false],
    ['length', { framing: { type: 'length' } }, false],
  ] as const)('%s', (_name, options, on) => {
    const pairs = normalizeOptions(options).connectionOptions;
    expect(pairs.some(([id, v]) => id === NODELAY[0] && v === NODELAY[1])).toBe(on);
  });
});
