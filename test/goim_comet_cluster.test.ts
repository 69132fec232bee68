/**
 * A Comet of two transports on each of two nodes, over a private
 * redis-server: each node is a ServerGroup of a goim TCP server and a goim
 * WebSocket server, each server with its own cluster prefix (one per wire
 * format). One group.broadcast() on node A reaches the room's TCP and
 * WebSocket members on both nodes exactly once, in each transport's bytes.
 * epoll, inline worker (the cluster suite covers the other shapes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { GOIM_OP, type Connection, type GoimFrame, type Handlers, type Server, type ServerOptions } from '../src/index';
import type * as Ringnet from '../src/index';
import { startRedis, type Broker } from './support/brokers';
import { connect, sleep, waitFor } from './support/net';
import { goimPacket, GoimReader } from './support/goim';
import { GoimWebClient } from './support/goim_web';

// The built package, as test/support/cluster-node.cjs loads it: the broker
// adapters are required on demand, which vitest's transform of src/ cannot.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createServer, ServerGroup } = require(path.join(__dirname, '..', 'dist', 'index.js')) as typeof Ringnet;

const COMET = {
  onAuth(conn: Connection, frame: GoimFrame) {
    conn.join((JSON.parse(frame.body.toString()) as { room_id: string }).room_id);
    return true;
  },
} as unknown as Handlers<unknown, GoimFrame>;

describe('a two-transport Comet on two cluster nodes (redis)', () => {
  let broker: Broker;
  const servers: Server<unknown>[] = [];
  const nodes: Array<{ group: Ringnet.ServerGroup; tcpPort: number; webPort: number }> = [];

  beforeAll(async () => {
    broker = await startRedis();
    const prefix = `comet${process.pid}`;
    for (let n = 0; n < 2; n++) {
      const base = { backend: 'epoll', workers: 1, inlineWorker: true } as const;
      const tcp = createServer({ ...base, framing: { type: 'goim' }, cluster: { ...broker.cluster, prefix: `${prefix}t` } } as ServerOptions, COMET as unknown as Handlers);
      const web = createServer({
        ...base, framing: { type: 'goim', transport: 'websocket', path: '/sub' }, cluster: { ...broker.cluster, prefix: `${prefix}w` },
      } as ServerOptions, COMET as unknown as Handlers);
      servers.push(tcp, web);
      const tcpPort = (await tcp.listen({ host: '127.0.0.1', port: 0 })).port;
      const webPort = (await web.listen({ host: '127.0.0.1', port: 0 })).port;
      nodes.push({ group: new ServerGroup([tcp, web]), tcpPort, webPort });
    }
  }, 30_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close({ timeout: 200 })));
    await broker?.stop();
  });

  it('reaches TCP and WebSocket members on both nodes exactly once', async () => {
    const tcps: GoimReader[] = [];
    const webs: GoimWebClient[] = [];
    try {
      for (const node of nodes) {
        const s = await connect(node.tcpPort);
        const r = new GoimReader(s);
        s.write(goimPacket(GOIM_OP.AUTH, 1, JSON.stringify({ room_id: 'live://9' })));
        tcps.push(r);
        webs.push(await GoimWebClient.open(node.webPort, 'live://9'));
      }
      await waitFor(() => tcps.every((r) => r.packets.length === 1) && webs.every((c) => c.authReplies.length === 1), 5000, 'op 8 everywhere');
      await waitFor(() => servers.every((s) => s.cluster?.subscriptions().some((c) => c.includes(':room:')) === true), 5000, 'room subscriptions');
      await sleep(300); // subscriptions confirmed by the broker
      const body = 'across nodes ✓';
      expect(nodes[0]?.group.broadcast('live://9', { op: GOIM_OP.MESSAGE, seq: 3, body })).toBe(true);
      await waitFor(() => tcps.every((r) => r.packets.length === 2) && webs.every((c) => c.raw.length === 2), 5000, 'the push on both nodes');
      await sleep(300);
      const packet = goimPacket(GOIM_OP.MESSAGE, 3, body);
      for (const r of tcps) {
        expect(r.packets).toHaveLength(2);
        expect([r.packets[1]?.op, r.packets[1]?.seq, r.packets[1]?.body.toString()]).toEqual([GOIM_OP.MESSAGE, 3, body]);
      }
      for (const c of webs) {
        expect(c.raw).toHaveLength(2);
        expect(c.raw[1]).toEqual(packet);
      }
      // A batch crosses nodes too, in each transport's form.
      expect(nodes[1]?.group.broadcast('live://9', [{ op: 1000, seq: 1, body: 'a' }, { op: 1000, seq: 2, body: 'b' }])).toBe(true);
      await waitFor(() => tcps.every((r) => r.packets.length === 4) && webs.every((c) => c.messages.length === 3), 5000, 'the batch on both nodes');
      for (const c of webs) expect(c.messages.slice(1).map((m) => [m.op, m.seq, m.body, m.via])).toEqual([[1000, 1, 'a', 9], [1000, 2, 'b', 9]]);
      for (const r of tcps) expect(r.packets.slice(2).map((p) => [p.op, p.seq, p.body.toString()])).toEqual([[1000, 1, 'a'], [1000, 2, 'b']]);
    } finally {
      for (const r of tcps) r.socket.destroy();
      for (const c of webs) c.close();
    }
  });

  it('refuses two servers with the same cluster prefix in one group', () => {
    expect(() => new ServerGroup([servers[0] as Server<unknown>, servers[2] as Server<unknown>])).toThrow(/cluster.prefix/);
  });
});
