/**
 * WebSocket rejection rules with exact bytes (RFC 6455 5 and 7; the Autobahn
 * categories 1-7): each breach closes with its code (a close frame, then FIN)
 * and reaches onClose as a WebSocketProtocolError; other connections are
 * untouched. And every message split at every byte decodes the same.
 */
import { describe, expect, it } from 'vitest';
import { WebSocketProtocolError, type Handlers, type ServerOptions, type WebSocketHandlers } from '../src/index';
import { useHarness } from './support/harness';
import { waitFor } from './support/net';
import { VARIANTS } from './support/variants';
import { RawWsClient, clientFrame, closeBody, upgradeRequest } from './support/websocket';

const big = (n: number) => Buffer.alloc(n, 0x61);

/** [name, bytes after the handshake, close code expected] */
const RULES: Array<[string, Buffer, number]> = [
  ['an unmasked frame', clientFrame(1, 'hi', { mask: false }), 1002],
  ['RSV1 without an extension', clientFrame(1, 'hi', { rsv: 0x40 }), 1002],
  ['RSV2', clientFrame(2, 'hi', { rsv: 0x20 }), 1002],
  ['RSV3', clientFrame(2, 'hi', { rsv: 0x10 }), 1002],
  ['reserved opcode 3', clientFrame(3, 'x'), 1002],
  ['reserved opcode 7', clientFrame(7, 'x'), 1002],
  ['reserved opcode 11', clientFrame(11, 'x'), 1002],
  ['reserved opcode 15', clientFrame(15, 'x'), 1002],
  ['a ping over 125 bytes', clientFrame(9, big(126)), 1002],
  ['a fragmented ping', clientFrame(9, 'x', { fin: false }), 1002],
  ['a close with a 1-byte body', clientFrame(8, Buffer.from([3])), 1002],
  ['close code 1005', clientFrame(8, closeBody(1005)), 1002],
  ['close code 999', clientFrame(8, closeBody(999)), 1002],
  ['close code 5000', clientFrame(8, closeBody(5000)), 1002],
  ['a close reason that is not UTF-8', clientFrame(8, Buffer.concat([closeBody(1000), Buffer.from([0xc0, 0xaf])])), 1007],
  ['a continuation with no message', clientFrame(0, 'x'), 1002],
  ['a new message inside a fragmented one', Buffer.concat([clientFrame(1, 'a', { fin: false }), clientFrame(1, 'b')]), 1002],
  ['invalid UTF-8 in a text message', clientFrame(1, Buffer.from([0x61, 0xed, 0xa0, 0x80])), 1007],
  ['text ending inside a code point', clientFrame(1, Buffer.from([0x61, 0xe2, 0x82])), 1007],
  ['invalid UTF-8 across fragments', Buffer.concat([clientFrame(1, Buffer.from([0xe2]), { fin: false }), clientFrame(0, 'x')]), 1007],
  ['a message over maxPayloadLength', clientFrame(2, big(1025)), 1009],
  ['fragments over maxPayloadLength together', Buffer.concat([clientFrame(2, big(600), { fin: false }), clientFrame(0, big(500))]), 1009],
  ['a 64-bit length with the top bit set', Buffer.from([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4]), 1002],
];

describe.each(VARIANTS)('websocket rules ($name)', ({ options }) => {
  const h = useHarness();
  const listen = (handlers: WebSocketHandlers, extra: object = {}) =>
    h.listen({ ...options, framing: { type: 'websocket', maxPayloadLength: 1024, ...extra } } as ServerOptions, handlers as Handlers);

  it.each(RULES)('closes on %s', async (_name, bytes, code) => {
    const closes: Array<[number, unknown]> = [];
    const { port } = await listen({
      onMessage(ws, data) { ws.send(data); },
      onClose(_ws, c, _r, err) { closes.push([c, err]); },
    });
    const bystander = await RawWsClient.open(port);
    const raw = await RawWsClient.open(port);
    await raw.upgraded();
    await bystander.upgraded();
    raw.write(bytes);
    expect(await raw.closeCode()).toBe(code);
    await raw.until(() => raw.ended, 'FIN after the close frame');
    await waitFor(() => closes.length === 1, 10_000, 'onClose');
    expect(closes[0]?.[0]).toBe(code);
    expect(closes[0]?.[1]).toBeInstanceOf(WebSocketProtocolError);
    expect((closes[0]?.[1] as WebSocketProtocolError).closeCode).toBe(code);
    // Nothing JS-visible came before the close for these.
    expect(raw.frames.filter((f) => f.opcode !== 8)).toEqual([]);
    bystander.write(clientFrame(1, 'still fine'));
    expect((await bystander.frame(0)).payload.toString()).toBe('still fine');
    bystander.close();
  });

  it('refuses an oversized message from its header, before the payload arrives', async () => {
    const { port } = await listen({});
    const raw = await RawWsClient.open(port);
    await raw.upgraded();
    raw.write(Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0x40, 0, 0, 0, 1, 2, 3, 4])); // 1 GiB declared, nothing sent
    expect(await raw.closeCode()).toBe(1009);
  });

  it('fails fast on invalid UTF-8 in a text frame still arriving', async () => {
    const { port } = await listen({}, { maxPayloadLength: 1 << 20 });
    const raw = await RawWsClient.open(port);
    await raw.upgraded();
    const frame = clientFrame(1, Buffer.concat([Buffer.from('ok'), Buffer.from([0xff]), big(100_000)]));
    raw.write(frame.subarray(0, 200)); // the invalid byte is in the first read; most of the frame never comes
    expect(await raw.closeCode()).toBe(1007);
  });

  it('decodes every message split at every byte (fragments, a ping between them, binary, close)', async () => {
    const got: string[] = [];
    const { port } = await listen({
      onMessage(_ws, data, isBinary) { got.push(`${isBinary ? 'b' : 't'}:${data.toString('hex')}`); },
    });
    const stream = Buffer.concat([
      clientFrame(1, Buffer.from('h\xc3', 'latin1'), { fin: false }),
      clientFrame(9, 'p'),
      clientFrame(0, Buffer.from('\xa9llo', 'latin1'), { fin: false }),
      clientFrame(0, ' ✓'),
      clientFrame(2, Buffer.from([0, 1, 2, 255])),
      clientFrame(2, big(300)),
      clientFrame(8, closeBody(1000, 'done')),
    ]);
    const want = [`t:${Buffer.from('héllo ✓').toString('hex')}`, 'b:000102ff', `b:${big(300).toString('hex')}`];
    const request = Buffer.from(upgradeRequest());
    for (let cut = 0; cut < stream.length; cut++) {
      got.length = 0;
      const raw = await RawWsClient.open(port, Buffer.concat([request, stream.subarray(0, cut)]));
      await raw.upgraded();
      await new Promise((r) => setTimeout(r, 1));
      raw.write(stream.subarray(cut));
      expect(await raw.closeCode()).toBe(1000);
      await raw.until(() => raw.ended, 'FIN');
      expect(raw.frames.map((f) => f.opcode)).toEqual([10, 8]);
      await waitFor(() => got.length === 3, 10_000, `messages with the cut at ${cut}`);
      expect(got).toEqual(want);
      raw.close();
    }
  });
});
