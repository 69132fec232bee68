/**
 * goim over WebSocket (framing { type: 'goim', transport: 'websocket', path:
 * '/sub' }) with the exact bytes goim's JavaScript web client sends: binary
 * messages, op 7 auth with a JSON body, the op 8 reply, op 2 heartbeats
 * answered natively with op 3, pushes as one packet per binary message; text
 * frames close with 1003. Both backends, inline and threaded.
 */
import { describe, expect, it } from 'vitest';
import { GOIM_OP, type GoimFrame, type Handlers, type ServerOptions } from '../src/index';
import { useHarness } from './support/harness';
import { waitFor } from './support/net';
import { VARIANTS } from './support/variants';
import { goimPacket } from './support/goim';
import { RawWsClient, clientFrame, upgradeRequest } from './support/websocket';

/** What goim's examples/javascript client.js writes: a 16-byte header, ver 1, then the body. */
const AUTH_BODY = JSON.stringify({ mid: 123, room_id: 'live://1000', platform: 'web', accepts: [1000, 1001, 1002] });

function parsePacket(b: Buffer): { op: number; seq: number; ver: number; body: Buffer } {
  expect(b.readUInt32BE(0)).toBe(b.length); // packLen: one packet per message
  expect(b.readUInt16BE(4)).toBe(16);
  return { ver: b.readUInt16BE(6), op: b.readUInt32BE(8), seq: b.readUInt32BE(12), body: b.subarray(16) };
}

describe.each(VARIANTS)('goim over websocket ($name)', ({ options }) => {
  const h = useHarness();

  it('serves the goim web client: auth, heartbeats, pushes to a room', async () => {
    const auths: string[] = [];
    const frames: GoimFrame[] = [];
    const { server, port } = await h.listen({ ...options, framing: { type: 'goim', transport: 'websocket', path: '/sub' } } as ServerOptions, {
      onAuth(conn, frame) {
        auths.push(frame.body.toString());
        const { room_id: room } = JSON.parse(frame.body.toString()) as { room_id: string };
        conn.join(room);
        return { accept: true, body: '{"ok":true}' };
      },
      onFrame(conn, frame) { frames.push(frame); conn.send({ op: GOIM_OP.MESSAGE_REPLY, seq: frame.seq, body: frame.body }); },
    } as Handlers<unknown, GoimFrame>);
    const c = await RawWsClient.open(port, upgradeRequest('/sub'));
    await c.upgraded();
    c.write(clientFrame(2, goimPacket(GOIM_OP.AUTH, 1, AUTH_BODY)));
    const auth = parsePacket((await c.frame(0)).payload);
    expect([auth.op, auth.seq, auth.body.toString()]).toEqual([GOIM_OP.AUTH_REPLY, 1, '{"ok":true}']);
    expect(auths).toEqual([AUTH_BODY]);
    // Heartbeats are answered natively (op 3, same seq), never reaching onFrame.
    c.write(clientFrame(2, goimPacket(GOIM_OP.HEARTBEAT, 2)));
    const hb = await c.frame(1);
    expect(hb.opcode).toBe(2);
    expect([parsePacket(hb.payload).op, parsePacket(hb.payload).seq]).toEqual([GOIM_OP.HEARTBEAT_REPLY, 2]);
    // A message round trip, and a room push (encoded once, one packet per message).
    c.write(clientFrame(2, goimPacket(GOIM_OP.MESSAGE, 3, 'hello ✓')));
    const reply = parsePacket((await c.frame(2)).payload);
    expect([reply.op, reply.seq, reply.body.toString()]).toEqual([GOIM_OP.MESSAGE_REPLY, 3, 'hello ✓']);
    expect(frames.map((f) => f.op)).toEqual([GOIM_OP.MESSAGE]);
    expect(server.broadcast('live://1000', { op: GOIM_OP.MESSAGE, body: 'push' })).toBe(true);
    const push = parsePacket((await c.frame(3)).payload);
    expect([push.op, push.body.toString()]).toEqual([GOIM_OP.MESSAGE, 'push']);
  });

  it('closes before auth (auth-required, 1008), on text frames (1003) and on a message that is not one packet (1002)', async () => {
    const closes: string[] = [];
    const { port } = await h.listen({ ...options, framing: { type: 'goim', transport: 'websocket', path: '/sub' } } as ServerOptions, {
      onAuth() { return true; },
      onClose(_c, reason) { closes.push(reason); },
    } as Handlers<unknown, GoimFrame>);
    const early = await RawWsClient.open(port, upgradeRequest('/sub'));
    await early.upgraded();
    early.write(clientFrame(2, goimPacket(GOIM_OP.HEARTBEAT, 1)));
    expect(await early.closeCode()).toBe(1008);
    const text = await RawWsClient.open(port, upgradeRequest('/sub'));
    await text.upgraded();
    text.write(clientFrame(1, 'not binary'));
    expect(await text.closeCode()).toBe(1003);
    const two = await RawWsClient.open(port, upgradeRequest('/sub'));
    await two.upgraded();
    two.write(clientFrame(2, Buffer.concat([goimPacket(GOIM_OP.AUTH, 1, '{}'), goimPacket(GOIM_OP.HEARTBEAT, 2)])));
    expect(await two.closeCode()).toBe(1002);
    await waitFor(() => closes.length === 3, 10_000, 'three closes');
    expect(closes.sort()).toEqual(['auth-required', 'ws-protocol-error', 'ws-protocol-error']);
  });

  it('keeps the WebSocket timers after the auth: idle pings, then maxLifetime closes with 1001', async () => {
    const closes: string[] = [];
    const { port } = await h.listen({
      ...options, framing: { type: 'goim', transport: 'websocket', path: '/sub', idleTimeout: 1200, maxLifetime: 2500 },
    } as ServerOptions, {
      onAuth() { return true; },
      onClose(_c, reason) { closes.push(reason); },
    } as Handlers<unknown, GoimFrame>);
    const c = await RawWsClient.open(port, upgradeRequest('/sub'));
    await c.upgraded();
    const opened = Date.now();
    c.write(clientFrame(2, goimPacket(GOIM_OP.AUTH, 1, AUTH_BODY)));
    expect(parsePacket((await c.frame(0)).payload).op).toBe(GOIM_OP.AUTH_REPLY);
    // The auth deadline replaced the idle one until the auth; after it, silence is pinged again.
    const ping = await c.frame(1, 4000);
    expect(ping.opcode).toBe(9);
    // Answering pings and heartbeats keeps it open until its lifetime ends (every 100 ms: far
    // inside idleTimeout even on a loaded machine).
    const keepAlive = setInterval(() => {
      c.write(clientFrame(10));
      c.write(clientFrame(2, goimPacket(GOIM_OP.HEARTBEAT, 2)));
    }, 100);
    try {
      expect(await c.closeCode(8000)).toBe(1001);
    } finally {
      clearInterval(keepAlive);
    }
    expect(Date.now() - opened).toBeGreaterThanOrEqual(2450);
    await waitFor(() => closes.length === 1, 5000, 'onClose');
    expect(closes).toEqual(['max-lifetime']);
  });
});
