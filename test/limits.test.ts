/**
 * What happens at the edges: frames over maxFrameLength, impossible length
 * fields, handlers that throw, and payloads send() cannot encode. Each bad
 * connection must be closed with the right reason and error while every other
 * connection keeps working and the process stays up.
 */
import type * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  BadFrameError, FrameTooLargeError, InvalidFrameError, RingnetError,
  type CloseReason, type Connection, type FramingOptions, type Handlers,
} from '../src/index';
import { lengthFrame, waitFor } from './support/net';
import { Collector, useServers } from './support/servers';
import { VARIANTS } from './support/variants';

/** A connected client; `port` is its local port (= conn.remotePort), kept since a closed socket forgets it. */
interface Client {
  socket: net.Socket;
  rx: Collector;
  port: number;
}

interface Closed {
  reason: CloseReason;
  error: Error | undefined;
}

/**
 * An echo server that records closes and errors per connection, keyed by the
 * client's local port; `behaviour` may replace any handler except onClose/onError.
 */
function recordingServer(behaviour: Partial<Handlers> = {}) {
  const closes = new Map<number, Closed>();
  const errors: Array<{ err: Error; conn: Connection | undefined }> = [];
  const handlers: Handlers = {
    onFrame: (conn, frame) => void conn.send(frame),
    ...behaviour,
    onClose(conn, reason, error) {
      closes.set(conn.remotePort, { reason, error });
    },
    onError(err, conn) {
      errors.push({ err, conn });
    },
  };
  return {
    handlers,
    errors,
    /** Waits for the server-side close of the client's connection. */
    async closeOf(client: Client): Promise<Closed> {
      await waitFor(() => closes.has(client.port), 10_000, `onClose for client port ${client.port}`);
      return closes.get(client.port) as Closed;
    },
    closed: (client: Client) => closes.has(client.port),
  };
}

describe.each(VARIANTS)('limits ($name)', (variant) => {
  const servers = useServers();

  /** A connected client with a byte collector. */
  async function client(port: number): Promise<Client> {
    const socket = await servers.connect(port);
    return { socket, rx: new Collector(socket), port: socket.localPort as number };
  }

  /** One request/response through a length-framed (4-byte) echo. */
  async function expectLengthEcho(c: Client, text: string) {
    c.socket.write(lengthFrame(text));
    expect((await c.rx.take(4 + text.length)).toString('latin1')).toBe(lengthFrame(text).toString('latin1'));
  }

  describe('frames over maxFrameLength', () => {
    const framing: FramingOptions = { type: 'length', maxFrameLength: 1024 };

    it("a header announcing 1 MiB closes that connection ('frame-too-large', FrameTooLargeError) without waiting for the body; others keep echoing", async () => {
      const rec = recordingServer();
      const { port } = await servers.listen({ ...variant.options, framing }, rec.handlers);
      const good = await client(port);
      await expectLengthEcho(good, 'before');

      const bad = await client(port);
      const header = Buffer.alloc(4);
      header.writeUInt32BE(1024 * 1024);
      bad.socket.write(header); // the body never comes: the header alone must be enough to refuse it

      const { reason, error } = await rec.closeOf(bad);
      expect(reason).toBe('frame-too-large');
      expect(error).toBeInstanceOf(FrameTooLargeError);
      expect(error).toBeInstanceOf(RingnetError);
      expect((error as FrameTooLargeError).code).toBe('ERR_FRAME_TOO_LARGE');
      await bad.rx.waitClosed();
      expect(bad.rx.length).toBe(0);

      await expectLengthEcho(good, 'after');
      expect(rec.closed(good)).toBe(false);
      expect(rec.errors).toEqual([]);
    });

    it('maxFrameLength counts the header: a 1020-byte payload passes, 1021 bytes close the connection', async () => {
      const rec = recordingServer();
      const { port } = await servers.listen({ ...variant.options, framing }, rec.handlers);
      const c = await client(port);
      await expectLengthEcho(c, 'x'.repeat(1020));
      c.socket.write(lengthFrame('y'.repeat(1021)));
      expect((await rec.closeOf(c)).reason).toBe('frame-too-large');
      await c.rx.waitClosed();
      expect(c.rx.length).toBe(4 + 1020);
    });

    it("delimiter framing: no delimiter within maxFrameLength closes the connection ('frame-too-large'); others keep echoing", async () => {
      const rec = recordingServer();
      const { port } = await servers.listen(
        { ...variant.options, framing: { type: 'delimiter', delimiter: '\n', maxFrameLength: 100 } },
        rec.handlers,
      );
      const good = await client(port);
      const line = `${'a'.repeat(100)}\n`; // exactly the limit: accepted
      good.socket.write(line);
      expect((await good.rx.take(line.length)).toString()).toBe(line);

      const bad = await client(port);
      bad.socket.write('b'.repeat(101)); // the delimiter could only come too late
      const { reason, error } = await rec.closeOf(bad);
      expect(reason).toBe('frame-too-large');
      expect(error).toBeInstanceOf(FrameTooLargeError);
      expect((error as FrameTooLargeError).code).toBe('ERR_FRAME_TOO_LARGE');
      await bad.rx.waitClosed();

      good.socket.write('still here\n');
      expect((await good.rx.take(11)).toString()).toBe('still here\n');
      expect(rec.errors).toEqual([]);
    });
  });

  it("a length field shorter than the header (lengthAdjustment -4) closes the connection ('bad-frame', BadFrameError)", async () => {
    const rec = recordingServer();
    const { port } = await servers.listen(
      { ...variant.options, framing: { type: 'length', lengthAdjustment: -4 } }, // the field counts its own 4 bytes
      rec.handlers,
    );
    const good = await client(port);
    const frame = (n: number, body: string) => {
      const b = Buffer.alloc(4 + body.length);
      b.writeUInt32BE(n);
      b.write(body, 4);
      return b;
    };
    good.socket.write(frame(6, 'ok'));
    expect(await good.rx.take(6)).toEqual(frame(6, 'ok'));

    const bad = await client(port);
    bad.socket.write(frame(2, 'zz')); // 2 < the 4-byte header it claims to include
    const { reason, error } = await rec.closeOf(bad);
    expect(reason).toBe('bad-frame');
    expect(error).toBeInstanceOf(BadFrameError);
    expect((error as BadFrameError).code).toBe('ERR_BAD_FRAME');
    await bad.rx.waitClosed();

    good.socket.write(frame(4, ''));
    expect(await good.rx.take(4)).toEqual(frame(4, ''));
  });

  describe('handlers that throw', () => {
    it("onFrame throws: onError gets the error and the conn, onClose says 'handler-error', other connections keep working", async () => {
      const boom = new Error('boom from onFrame');
      const rec = recordingServer({
        onFrame(conn, frame) {
          if (frame.toString() === 'boom') throw boom;
          conn.send(frame);
        },
      });
      const { port } = await servers.listen(variant.options, rec.handlers);
      const good = await client(port);
      const bad = await client(port);
      await expectLengthEcho(bad, 'fine so far');

      bad.socket.write(lengthFrame('boom'));
      const { reason, error } = await rec.closeOf(bad);
      expect(reason).toBe('handler-error');
      expect(error).toBeUndefined();
      expect(rec.errors).toHaveLength(1);
      expect(rec.errors[0]?.err).toBe(boom);
      expect(rec.errors[0]?.conn?.remotePort).toBe(bad.port);
      await bad.rx.waitClosed();

      await expectLengthEcho(good, 'unaffected');
      const late = await client(port);
      await expectLengthEcho(late, 'new connections too');
    });

    it('after onFrame throws, later frames of that connection (same read) never reach onFrame', async () => {
      const seen: string[] = [];
      const rec = recordingServer({
        onFrame(conn, frame) {
          seen.push(frame.toString());
          if (frame.toString() === 'boom') throw new Error('boom');
          conn.send(frame);
        },
      });
      const { port } = await servers.listen(variant.options, rec.handlers);
      const bad = await client(port);
      bad.socket.write(Buffer.concat([lengthFrame('one'), lengthFrame('boom'), lengthFrame('after-1'), lengthFrame('after-2')]));
      expect((await rec.closeOf(bad)).reason).toBe('handler-error');
      expect(seen).toEqual(['one', 'boom']);
    });

    it("onOpen throws: onError gets it with the conn, the connection closes with 'handler-error', the server keeps serving", async () => {
      let opened = 0;
      const rec = recordingServer({
        onOpen() {
          if (++opened === 2) throw new TypeError('onOpen failed');
        },
      });
      const { port } = await servers.listen(variant.options, rec.handlers);
      const first = await client(port);
      await expectLengthEcho(first, 'first');

      const second = await client(port);
      const { reason } = await rec.closeOf(second);
      expect(reason).toBe('handler-error');
      expect(rec.errors).toHaveLength(1);
      expect(rec.errors[0]?.err).toBeInstanceOf(TypeError);
      expect(rec.errors[0]?.err.message).toBe('onOpen failed');
      expect(rec.errors[0]?.conn?.remotePort).toBe(second.port);
      await second.rx.waitClosed();

      await expectLengthEcho(first, 'first again');
      const third = await client(port);
      await expectLengthEcho(third, 'third');
    });
  });

  describe('send() with a payload the framing cannot encode throws InvalidFrameError', () => {
    const cases: Array<{ name: string; framing: FramingOptions; bad: Buffer; good: Buffer; wire: (p: Buffer) => Buffer }> = [
      {
        name: 'fixed framing, wrong size',
        framing: { type: 'fixed', frameLength: 4 },
        bad: Buffer.from('abc'),
        good: Buffer.from('abcd'),
        wire: (p) => p,
      },
      {
        name: 'length framing, 1-byte field and a 300-byte payload',
        framing: { type: 'length', lengthFieldLength: 1 },
        bad: Buffer.alloc(300, 1),
        good: Buffer.alloc(255, 2),
        wire: (p) => lengthFrame(p, 1),
      },
      {
        name: 'length framing, payload over maxFrameLength minus the header',
        framing: { type: 'length', maxFrameLength: 1024 },
        bad: Buffer.alloc(1021, 3),
        good: Buffer.alloc(1020, 4),
        wire: (p) => lengthFrame(p),
      },
      {
        name: 'delimiter framing, payload over maxFrameLength',
        framing: { type: 'delimiter', maxFrameLength: 10 },
        bad: Buffer.from('0123456789A'),
        good: Buffer.from('0123456789'),
        wire: (p) => Buffer.concat([p, Buffer.from('\n')]),
      },
    ];

    it.each(cases)('$name (the connection stays usable)', async ({ framing, bad, good, wire }) => {
      let thrown: unknown;
      const rec = recordingServer({
        onOpen(conn) {
          try {
            conn.send(bad);
          } catch (err) {
            thrown = err;
          }
          conn.send(good);
        },
      });
      const { port } = await servers.listen({ ...variant.options, framing }, rec.handlers);
      const c = await client(port);
      expect(await c.rx.take(wire(good).length)).toEqual(wire(good));
      expect(thrown).toBeInstanceOf(InvalidFrameError);
      expect((thrown as InvalidFrameError).code).toBe('ERR_INVALID_FRAME');
      expect(rec.closed(c)).toBe(false);
      expect(rec.errors).toEqual([]);
    });
  });
});
