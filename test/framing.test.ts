/**
 * Every framing over real sockets: the frames onFrame receives and the bytes
 * an echo (conn.send(frame)) puts back on the wire, for a stream written in
 * one coalesced write and the same stream split byte by byte.
 */
import type * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Connection, FramingOptions, LengthFramingOptions } from '../src/index';
import { pattern } from './support/harness';
import { Collector, expectBytes, expectFrames, splitBytewise, useServers, writePieces } from './support/servers';
import { VARIANTS } from './support/variants';

/** One framing under test: how a client frames a payload, and what the server should deliver and send back. */
interface FramingCase {
  name: string;
  framing: FramingOptions;
  /** The client's wire frames, in order. */
  wire: Buffer[];
  /** What onFrame must receive for each wire frame. */
  delivered: Buffer[];
  /** What conn.send(payload) must put on the wire. */
  encode(payload: Buffer): Buffer;
}

const MiB = 1024 * 1024;

// ------------------------------------------------------------------ length

/** Netty-style length framing, written independently of the library: prefix, field, body. */
function lengthCase(name: string, o: Omit<LengthFramingOptions, 'type'>, bodySizes: number[]): FramingCase {
  const offset = o.lengthFieldOffset ?? 0;
  const size = o.lengthFieldLength ?? 4;
  const adjustment = o.lengthAdjustment ?? 0;
  const strip = o.initialBytesToStrip ?? offset + size;
  const frame = (body: Buffer, prefixByte: number): Buffer => {
    const field = Buffer.alloc(size);
    const value = BigInt(body.length - adjustment); // the decoder adds adjustment back
    for (let i = 0; i < size; i++) {
      const byte = Number((value >> BigInt(8 * i)) & 0xffn);
      field[o.byteOrder === 'little' ? i : size - 1 - i] = byte;
    }
    return Buffer.concat([Buffer.alloc(offset, prefixByte), field, body]);
  };
  // The client fills the prefix with 0xA5 (the server must pass it through when
  // it is not stripped); send() writes a zero prefix.
  const wire = bodySizes.map((n, i) => frame(pattern(i + 1, n), 0xa5));
  return {
    name,
    framing: { type: 'length', ...o },
    wire,
    delivered: wire.map((w) => w.subarray(strip)),
    encode: (payload) => frame(payload, 0),
  };
}

const LENGTH_CASES: FramingCase[] = [
  lengthCase('length, 1-byte field', { lengthFieldLength: 1 }, [0, 1, 5, 255, 0, 17]),
  lengthCase('length, 2-byte field', { lengthFieldLength: 2 }, [0, 3, 300, 65535, 1]),
  lengthCase('length, 3-byte field', { lengthFieldLength: 3 }, [0, 7, 70_000, 2]),
  lengthCase('length, 4-byte field (default) with a 1 MiB frame', {}, [0, 1, 100, MiB, 0, 9]),
  lengthCase('length, 8-byte field', { lengthFieldLength: 8 }, [0, 10, 1000, 200_000]),
  lengthCase('length, 2-byte little-endian field', { lengthFieldLength: 2, byteOrder: 'little' }, [0, 2, 258, 513]),
  lengthCase('length, 8-byte little-endian field', { lengthFieldLength: 8, byteOrder: 'little' }, [0, 3, 4097]),
  lengthCase('length, field after a 3-byte prefix', { lengthFieldOffset: 3, lengthFieldLength: 2 }, [0, 5, 600]),
  lengthCase('length counting its own header (lengthAdjustment -4)', { lengthAdjustment: -4 }, [0, 9, 1000]),
  lengthCase('length not counting 2 trailing bytes (lengthAdjustment +2)', { lengthFieldLength: 2, lengthAdjustment: 2 }, [2, 3, 10, 500]),
  lengthCase('length, header delivered (initialBytesToStrip 0)', { lengthFieldLength: 2, initialBytesToStrip: 0 }, [0, 4, 1000]),
  lengthCase(
    'length, prefix stripped but field kept (initialBytesToStrip 2)',
    { lengthFieldOffset: 2, lengthFieldLength: 2, initialBytesToStrip: 2 },
    [0, 6, 300],
  ),
  lengthCase('length, header delivered with a 1 MiB frame', { initialBytesToStrip: 0 }, [0, MiB, 3]),
];

// ------------------------------------------------------------------ delimiter

function delimiterCase(
  name: string,
  delimiterOption: string | Buffer,
  payloads: Buffer[],
  extra: { stripDelimiter?: boolean; maxFrameLength?: number } = {},
): FramingCase {
  const delimiter = Buffer.from(delimiterOption);
  const wire = payloads.map((p) => Buffer.concat([p, delimiter]));
  // Test data sanity: the first delimiter in each wire frame is its own.
  wire.forEach((w, i) => {
    if (w.indexOf(delimiter) !== w.length - delimiter.length) throw new Error(`${name}: test payload ${i} contains the delimiter`);
  });
  const strip = extra.stripDelimiter ?? true;
  return {
    name,
    framing: { type: 'delimiter', delimiter: delimiterOption, ...extra },
    wire,
    delivered: strip ? payloads : wire,
    encode: (payload) => Buffer.concat([payload, delimiter]),
  };
}

const text = (...s: string[]) => s.map((x) => Buffer.from(x));
/** Bytes 1..250 only: never 0x00 or 0xFF, so they cannot form the binary delimiter. */
const noDelimiterBytes = (n: number) => Buffer.from(pattern(7, n).map((b) => 1 + (b % 250)));
const BINARY_DELIMITER = Buffer.from([0x00, 0xff, 0x00, 0xfe]);

const DELIMITER_CASES: FramingCase[] = [
  delimiterCase('delimiter "\\n"', '\n', text('', 'a', 'hello world', '', 'x'.repeat(5000), 'with\rcarriage return', '')),
  delimiterCase('delimiter "\\r\\n"', '\r\n', text('', 'line\r', 'a\nb', 'plain', '\r', '\n\n', 'y'.repeat(3000))),
  delimiterCase(
    'delimiter, 4-byte binary with partial matches in payloads and a 300 KiB frame',
    BINARY_DELIMITER,
    [
      Buffer.alloc(0),
      Buffer.from([0x00]),
      Buffer.from([0x00, 0xff]),
      Buffer.from([0x00, 0xff, 0x00]),
      Buffer.from([1, 2, 3, 0x00, 0xff, 0x00, 0xfd, 0xfe]),
      noDelimiterBytes(300 * 1024),
      Buffer.from([0xfe, 0x00, 0xff, 0xff]),
    ],
    { maxFrameLength: MiB },
  ),
  delimiterCase('delimiter "\\n" kept (stripDelimiter false)', '\n', text('', 'abc', 'def', ''), { stripDelimiter: false }),
];

// ------------------------------------------------------------------ fixed

function fixedCase(name: string, frameLength: number, count: number): FramingCase {
  const wire = Array.from({ length: count }, (_, i) => pattern(100 + i, frameLength));
  return { name, framing: { type: 'fixed', frameLength }, wire, delivered: wire, encode: (p) => p };
}

const FIXED_CASES: FramingCase[] = [
  fixedCase('fixed, 5-byte frames', 5, 40),
  fixedCase('fixed, 1-byte frames', 1, 50),
  fixedCase('fixed, 300 KiB frames', 300 * 1024, 3),
];

const CASES = [...LENGTH_CASES, ...DELIMITER_CASES, ...FIXED_CASES];

// ------------------------------------------------------------------ suites

type Mode = 'one coalesced write' | 'split byte by byte';
const MODES: Mode[] = ['one coalesced write', 'split byte by byte'];

async function send(client: net.Socket, wire: Buffer[], mode: Mode): Promise<void> {
  if (mode === 'one coalesced write') client.write(Buffer.concat(wire));
  else await writePieces(client, splitBytewise(wire));
}

describe.each(VARIANTS)('framing ($name)', (variant) => {
  const servers = useServers();

  /** An echo server that also records (copies of) every frame it was given. */
  async function echoServer(framing: FramingOptions) {
    const frames: Buffer[] = [];
    const errors: Error[] = [];
    const closes: string[] = [];
    const { port } = await servers.listen(
      { ...variant.options, framing },
      {
        onFrame(conn: Connection, frame: Buffer) {
          frames.push(Buffer.from(frame));
          conn.send(frame);
        },
        onError: (err) => void errors.push(err),
        onClose: (_c, reason) => void closes.push(reason),
      },
    );
    return { port, frames, errors, closes };
  }

  describe.each(CASES)('$name', (c) => {
    it.each(MODES)('%s: frames delivered in order and echoed with their encoding', async (mode) => {
      const srv = await echoServer(c.framing);
      const client = await servers.connect(srv.port);
      const rx = new Collector(client);
      const expectedEcho = Buffer.concat(c.delivered.map((f) => c.encode(f)));

      await send(client, c.wire, mode);
      const echoed = await rx.atLeast(expectedEcho.length);

      expectFrames(srv.frames, c.delivered);
      expectBytes(echoed, expectedEcho, 'echo');
      expect(srv.errors).toEqual([]);
      expect(srv.closes).toEqual([]);
    });
  });

  describe('raw', () => {
    const stream = pattern(42, 200 * 1024);

    it.each([
      { maxChunk: undefined, mode: 'one coalesced write' as Mode },
      { maxChunk: undefined, mode: 'split byte by byte' as Mode },
      { maxChunk: 7, mode: 'one coalesced write' as Mode },
      { maxChunk: 7, mode: 'split byte by byte' as Mode },
    ])('maxChunk $maxChunk, $mode: every byte delivered once, in order, in chunks of at most maxChunk', async ({ maxChunk, mode }) => {
      const data = maxChunk === 7 ? stream.subarray(0, 3000) : stream;
      const srv = await echoServer(maxChunk === undefined ? { type: 'raw' } : { type: 'raw', maxChunk });
      const client = await servers.connect(srv.port);
      const rx = new Collector(client);

      await send(client, mode === 'one coalesced write' ? [data] : [data.subarray(0, 1500), data.subarray(1500)], mode);
      const echoed = await rx.atLeast(data.length);

      expectBytes(Buffer.concat(srv.frames), data, 'frames joined');
      const limit = maxChunk ?? 64 * 1024;
      expect(srv.frames.every((f) => f.length > 0 && f.length <= limit), `chunk sizes ${srv.frames.map((f) => f.length)}`).toBe(true);
      if (maxChunk === 7) expect(srv.frames.length).toBeGreaterThanOrEqual(Math.ceil(data.length / 7));
      expectBytes(echoed, data, 'echo');
    });
  });

  it('frames from several connections stay separate', async () => {
    const c = LENGTH_CASES[1] as FramingCase;
    const srv = await echoServer(c.framing);
    const clients = await Promise.all([1, 2, 3].map(() => servers.connect(srv.port)));
    const rxs = clients.map((s) => new Collector(s));
    const expectedEcho = Buffer.concat(c.delivered.map((f) => c.encode(f)));
    await Promise.all(clients.map((s) => send(s, c.wire, 'split byte by byte')));
    for (const rx of rxs) expectBytes(await rx.atLeast(expectedEcho.length), expectedEcho, 'echo');
    expect(srv.frames).toHaveLength(3 * c.delivered.length);
  });
});
