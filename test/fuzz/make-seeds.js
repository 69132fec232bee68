#!/usr/bin/env node
// Writes the committed seed corpus (test/fuzz/corpus/<target>/) in the input
// layouts the targets read (see each targets/<name>.cc). Run it again after
// changing a layout: node test/fuzz/make-seeds.js
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const u16 = (n) => Buffer.from([n & 0xff, (n >> 8) & 0xff]);
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32LE(n >>> 0); return b; };
const cat = (...parts) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.isBuffer(p) ? p : Buffer.from(p))));
const SEED = u32(0x12345678);

// PROXY v2: signature, ver/cmd, family, u16 length (big-endian), block; crc:
// true fills a trailing CRC32C TLV value (the block must end with one).
const crc32cTable = Array.from({ length: 256 }, (_, i) => {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function proxyV2(verCmd, fam, block, { crc = false } = {}) {
  const b = cat([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, verCmd, fam, block.length >> 8, block.length & 0xff], block);
  if (crc) {
    let c = 0xffffffff;
    for (const x of b) c = crc32cTable[(c ^ x) & 0xff] ^ (c >>> 8);
    b.writeUInt32BE((c ^ 0xffffffff) >>> 0, b.length - 4);
  }
  return b;
}

function lengthFrame(body, { size = 4, little = false, prefix = '' } = {}) {
  const h = Buffer.alloc(size);
  let v = BigInt(body.length);
  for (let i = 0; i < size; i++) {
    const byte = Number(v & 0xffn);
    v >>= 8n;
    h[little ? i : size - 1 - i] = byte;
  }
  return cat(prefix, h, body);
}

const FIELD = { 1: 0, 2: 1, 3: 2, 4: 3, 8: 4 };
// shape: bit 0 little-endian, bits 1.. field size index; strip 0x80 = whole header.
const lengthConfig = ({ size = 4, little = false, offset = 0, adj = 0, strip = 0x80, max = 1024 }) =>
  cat([(FIELD[size] << 1) | (little ? 1 : 0), offset, adj & 0xff, strip], u16(max));

// goim: packLen u32 | headerLen u16 | ver u16 | op u32 | seq u32 | [crc u32] | [extra] | body,
// big-endian. crc: true writes the body's CRC-32 at bytes 16..19 (headerLen >= 20);
// packLen/headerLen can be given to lie.
const crcTable = Array.from({ length: 256 }, (_, i) => {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
function goimPacket(op, seq, body, { headerLen = 16, packLen, ver = 1, crc = false } = {}) {
  const b = Buffer.from(body, 'latin1');
  const h = Buffer.alloc(headerLen, 0xee);  // extra header bytes: 0xee
  h.writeUInt32BE((packLen ?? headerLen + b.length) >>> 0, 0);
  h.writeUInt16BE(headerLen, 4);
  h.writeUInt16BE(ver, 6);
  h.writeUInt32BE(op >>> 0, 8);
  h.writeUInt32BE(seq >>> 0, 12);
  if (crc) h.writeUInt32BE(crc32(b), 16);
  return cat(h, b);
}
// shape: bit 0 reject extended headers, bit 1 checksum, bit 2 seal checksums;
// max: maxFrameLength = header + max % 1024, 0xffff = 2^32 - 1.
const goimConfig = ({ reject = false, checksum = false, seal = false, max = 1000 } = {}) =>
  cat([(reject ? 1 : 0) | (checksum ? 2 : 0) | (seal ? 4 : 0)], u16(max));
// shape bit 4: a chunk-extension cap follows (u16 % 300); bit 5: a method
// table follows (u16 mask over the target's pool: GET POST BREW WHEN M-SEARCH x ...).
const httpConfig = ({ header = 1024, uri = 256, headers = 16, body = 1024, ext, methods }) =>
  cat([(ext === undefined ? 0 : 16) | (methods === undefined ? 0 : 32)], u16(header - 64), u16(uri), [headers], u16(body),
    ext === undefined ? [] : u16(ext), methods === undefined ? [] : u16(methods));

const seeds = {
  length_codec: {
    'be4-frames': cat(lengthConfig({}), SEED, lengthFrame('hello'), lengthFrame(''), lengthFrame('x'.repeat(300))),
    'le2-frames': cat(lengthConfig({ size: 2, little: true }), SEED, lengthFrame('ab', { size: 2, little: true }), lengthFrame('cde', { size: 2, little: true })),
    'be3-offset2': cat(lengthConfig({ size: 3, offset: 2, strip: 0 }), SEED, lengthFrame('payload', { size: 3, prefix: '\xca\xfe' })),
    'be1-partial': cat(lengthConfig({ size: 1 }), SEED, lengthFrame('abc', { size: 1 }), '\x09abc'),
    'be8-huge': cat(lengthConfig({ size: 8 }), SEED, '\xff\xff\xff\xff\xff\xff\xff\xf0', 'body'),
    'too-large': cat(lengthConfig({ max: 16 }), SEED, '\x00\x00\x01\x00', 'x'.repeat(40)),
    // lengthAdjustment -4: the field counts its own header, so 0..3 is impossible.
    'adj-neg-bad': cat(lengthConfig({ adj: -4 }), SEED, '\x00\x00\x00\x02', 'xx'),
    'adj-neg-ok': cat(lengthConfig({ adj: -4 }), SEED, '\x00\x00\x00\x09', 'hello'),
    'adj-min': cat(lengthConfig({ adj: 0x80 }), SEED, '\x00\x00\x00\x05', 'hello'),
    'max-unbounded': cat(lengthConfig({ max: 0xffff }), SEED, lengthFrame('unbounded')),
  },
  delimiter_codec: {
    'lf': cat([0], '\n', u16(64), SEED, 'one\ntwo\n\nthree\npartial'),
    'crlf': cat([1], '\r\n', u16(64), SEED, 'GET / HTTP/1.1\r\nHost: x\r\n\r\nrest\r'),
    'crlf-keep': cat([0x81], '\r\n', u16(64), SEED, 'a\r\nb\r\r\n\r\n'),
    'nul': cat([0], '\0', u16(8), SEED, 'abc\0defghijkl\0'),
    'overlap-aa': cat([1], 'aa', u16(32), SEED, 'xaaayaaaaz'),
    'four-bytes': cat([3], '\r\n\r\n', u16(100), SEED, 'head\r\n\r\nbody\r\n\r\r\n\r\n'),
    'too-long': cat([0], '\n', u16(4), SEED, 'abcdefghij\nk\n'),
    'limit-zero': cat([0], ';', u16(0), SEED, ';;;x;'),
  },
  fixed_codec: {
    'four': cat(u16(3), SEED, 'abcdefghijklmn'),
    'one': cat(u16(0), SEED, 'xyz'),
    'large': cat(u16(299), SEED, Buffer.alloc(700, 7)),
  },
  raw_codec: {
    'small-chunks': cat(u16(15), SEED, 'the quick brown fox jumps over the lazy dog'),
    'one-byte': cat(u16(0), SEED, 'abc'),
    'big': cat(u16(1023), SEED, Buffer.alloc(3000, 1)),
  },
  goim_codec: {
    'plain-frames': cat(goimConfig(), SEED, goimPacket(7, 1, '{"token":"t"}'), goimPacket(2, 2, ''),
      goimPacket(4, 3, 'hello goim'), goimPacket(4, 4, 'partial').subarray(0, 12)),
    'extended-skip': cat(goimConfig(), SEED, goimPacket(4, 1, 'body', { headerLen: 24 }), goimPacket(4, 2, 'next')),
    'extended-reject': cat(goimConfig({ reject: true }), SEED, goimPacket(4, 1, 'ok'), goimPacket(4, 2, 'body', { headerLen: 24 })),
    'checksum': cat(goimConfig({ checksum: true }), SEED,
      goimPacket(4, 1, 'checked body', { headerLen: 20, crc: true }), goimPacket(2, 2, '', { headerLen: 20, crc: true })),
    'checksum-reject-extended': cat(goimConfig({ checksum: true, reject: true }), SEED,
      goimPacket(4, 1, 'checked body', { headerLen: 20, crc: true }), goimPacket(4, 2, 'x', { headerLen: 28, crc: true })),
    'checksum-extended': cat(goimConfig({ checksum: true }), SEED, goimPacket(4, 1, 'after extra', { headerLen: 28, crc: true })),
    'checksum-sealed': cat(goimConfig({ checksum: true, seal: true }), SEED,
      goimPacket(4, 1, 'sealed by the target', { headerLen: 20 }), goimPacket(5, 2, 'x'.repeat(200), { headerLen: 32 })),
    'checksum-wrong': cat(goimConfig({ checksum: true }), SEED, goimPacket(4, 1, 'body', { headerLen: 20 })),
    'checksum-missing': cat(goimConfig({ checksum: true }), SEED, goimPacket(4, 1, 'no room for a crc')),
    'too-large': cat(goimConfig({ max: 32 }), SEED, goimPacket(4, 1, 'x'.repeat(40))),
    'at-limit': cat(goimConfig({ max: 32 }), SEED, goimPacket(4, 1, 'y'.repeat(32)), goimPacket(4, 2, 'y'.repeat(33))),
    'packlen-short': cat(goimConfig(), SEED, goimPacket(4, 1, 'abc', { packLen: 10 })),
    'headerlen-short': cat(goimConfig(), SEED, goimPacket(4, 1, 'abcdef', { headerLen: 16, packLen: 22 }).fill(12, 5, 6)),
    'packlen-below-header': cat(goimConfig(), SEED, goimPacket(4, 1, '', { headerLen: 24, packLen: 20 })),
    'max-u32': cat(goimConfig({ max: 0xffff }), SEED, goimPacket(4, 1, 'small'), '\xff\xff\xff\xff\x00\x10', 'x'.repeat(50)),
  },
  // [shape] then u16 maxHeaderSize-64, u16 maxUriLength, u8 maxHeaders, u16
  // maxBodySize (a set shape bit 0..3 takes that limit's default instead and
  // skips its bytes), the rng seed, the stream (also the generator's program).
  http_codec: {
    'get-pipelined': cat(httpConfig({}), SEED, 'GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2?q=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'),
    'post-length': cat(httpConfig({}), SEED, '\r\nPOST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello'),
    'chunked-trailers': cat(httpConfig({}), SEED, 'POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\nA \t;e\r\n0123456789\r\n000\r\nT: v\r\n\r\n'),
    'http10-keepalive': cat(httpConfig({}), SEED, 'GET /old HTTP/1.0\r\nConnection: Keep-Alive\r\nX:  \x80\xff v \t\r\n\r\nPUT / HTTP/1.9\r\nhost:\r\n\r\n'),
    'smuggle-cl-te': cat(httpConfig({}), SEED, 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'),
    'te-gzip': cat(httpConfig({}), SEED, 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n'),
    'version-2': cat(httpConfig({}), SEED, 'GET / HTTP/2.0\r\nHost: a\r\n\r\n'),
    'bare-lf': cat(httpConfig({}), SEED, 'GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n'),
    'uri-too-long': cat(httpConfig({ uri: 16 }), SEED, 'GET /' + 'a'.repeat(40) + ' HTTP/1.1\r\nHost: a\r\n\r\n'),
    'head-too-large': cat(httpConfig({ header: 80 }), SEED, 'GET / HTTP/1.1\r\nHost: a\r\n' + 'X-Fill: 0123456789\r\n'.repeat(6) + '\r\n'),
    'too-many-fields': cat(httpConfig({ headers: 3 }), SEED, 'GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n'),
    'body-too-large': cat(httpConfig({ body: 8 }), SEED, 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n'),
    'bad-chunk': cat(httpConfig({}), SEED, 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n'),
    'tls-hello': cat(httpConfig({}), SEED, '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'),
    // Issue 17: the strict grammar.
    'target-forms': cat(httpConfig({}), SEED, 'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\nCONNECT [::1]:443 HTTP/1.1\r\nHost: a\r\n\r\n' +
      'GET http://u@example.com:80/p%20q?x=1 HTTP/1.1\r\nHost: a\r\n\r\nGET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n'),
    'unknown-method': cat(httpConfig({}), SEED, 'get / HTTP/1.1\r\nHost: a\r\n\r\n'),
    'extension-methods': cat(httpConfig({ methods: 0x0f }), SEED, 'BREW /pot HTTP/1.1\r\nHost: a\r\n\r\nPUT / HTTP/1.1\r\nHost: a\r\n\r\n'),
    'chunk-ext-grammar': cat(httpConfig({ ext: 40 }), SEED, 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '2 ; a = b;q="x \\" y"\r\nxy\r\n2;na me\r\nxy\r\n0\r\n\r\n'),
    'defaults': cat([0x0f], SEED, 'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n'),
  },
  // [limits] (bit 0 refuse v1, bit 1 refuse v2, bits 2.. maxV2Length/8 above 16), the rng seed, the stream.
  proxy_header: {
    'v1-tcp4': cat([0xfc], SEED, 'PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\nGET / HTTP/1.1\r\n'),
    'v1-tcp6': cat([0xfc], SEED, 'PROXY TCP6 2001:db8::1 ::ffff:10.0.0.1 65535 0\r\n'),
    'v1-unknown': cat([0xfc], SEED, 'PROXY UNKNOWN ignored stuff\r\nx'),
    'v1-bad-lf': cat([0xfc], SEED, 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n'),
    'v2-inet': cat([0xfc], SEED, proxyV2(0x21, 0x11, [192, 0, 2, 1, 198, 51, 100, 7, 0xc3, 0x50, 1, 0xbb]), 'data'),
    'v2-inet6-tlv': cat([0xfc], SEED, proxyV2(0x21, 0x21, cat(Buffer.alloc(36, 1), [1, 0, 2], 'h2', [0xea, 0, 1, 0x7f]))),
    'v2-unix': cat([0xfc], SEED, proxyV2(0x21, 0x31, cat('/run/a.sock', Buffer.alloc(97), '/run/b.sock', Buffer.alloc(97)))),
    'v2-local': cat([0x04], SEED, proxyV2(0x20, 0x00, [])),
    'v2-crc': cat([0xfc], SEED, proxyV2(0x21, 0x11, cat([10, 0, 0, 1, 10, 0, 0, 2, 0, 80, 0, 81], [3, 0, 4, 0, 0, 0, 0]), { crc: true })),
    'v2-too-long': cat([0x08], SEED, proxyV2(0x21, 0x11, Buffer.alloc(40))),
    'v1-refused': cat([0x01], SEED, 'PROXY UNKNOWN\r\n'),
    'not-proxy': cat([0xfc], SEED, 'GET / HTTP/1.1\r\n'),
  },
  // [pool size] then ops: op % 6 = 0 append, 1 appendFrame, 2 gather, 3 consume,
  // 4 clear, 5 flush; bit 7 picks the second queue. Sizes: [shape][u16].
  output_queue: {
    'small-frames': cat([2], [1, 4], [0], u16(10), [2], [1, 4], [0], u16(5), [2], [5], u16(3), [2]),
    'big-append': cat([1], [0, 3], u16(100), [2, 8], [3], u32(70000), [5], u16(9000)),
    'threshold': cat([0], [0, 2], u16(7), [0, 1], u16(16400), [2, 1], [3], u32(16385), [4]),
    'two-queues': cat([3], [0, 1], u16(16383), [0x80, 1], u16(20000), [5], u16(1), [0x85], u16(65535), [0x84]),
    'streaming': cat([1], ...Array.from({ length: 40 }, (_, i) => cat([0, 1], u16(16000 + i), [3], u32(9000 + i * 13)))),
  },
  // shape (bit 0 deflate negotiated, bits 1-2 mode: 0 raw stream, 1 frame recipe, 2 UTF-8 text, 3 extension offers),
  // maxPayloadLength code u16 (1 + n % 4096), seed u32, then the bytes. A recipe is
  // [b0 (FIN|RSV|opcode)][payload length u8][payload] per frame, masked by the target.
  ws_codec: {
    'raw-text': cat([0], u16(1000), SEED, [0x81, 0x85, 1, 2, 3, 4], Buffer.from('hello').map((b, i) => b ^ [1, 2, 3, 4][i & 3])),
    'raw-unmasked': cat([0], u16(1000), SEED, [0x82, 0x03], 'abc'),
    'raw-64bit-top': cat([0], u16(1000), SEED, [0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 9, 9, 9, 9]),
    'raw-too-big': cat([1], u16(10), SEED, [0x82, 0xfe, 0x10, 0x00, 1, 2, 3, 4]),
    'recipe-fragments': cat([2], u16(2000), SEED, [0x01, 2], 'h\xc3', [0x89, 1], 'p', [0x00, 4], '\xa9llo', [0x80, 2], ' !', [0x82, 3], [0, 1, 255]),
    'recipe-close': cat([2], u16(2000), SEED, [0x88, 6], [0x03, 0xe8], 'bye!', [0x81, 1], 'x'),
    'recipe-bad-close': cat([2], u16(2000), SEED, [0x88, 2], [0x03, 0xed]),
    'recipe-bad-utf8': cat([2], u16(2000), SEED, [0x01, 3], '\xed\xa0\x80', [0x80, 0]),
    'recipe-rsv1-deflate': cat([3], u16(2000), SEED, [0xc1, 3], 'abc', [0x40 | 0x01, 1], 'a', [0x80, 1], 'b'),
    'recipe-orphan-continuation': cat([2], u16(2000), SEED, [0x80, 1], 'x'),
    'recipe-reserved-opcode': cat([2], u16(2000), SEED, [0x83, 1], 'x'),
    'utf8-mixed': cat([4], u16(0), SEED, 'a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf'),
    'utf8-invalid': cat([4], u16(0), SEED, 'ok\xf4\x90\x80\x80\xc0\xaf\xed\xa0\x80'),
    'ext-offers': cat([6], u16(0), SEED, 'x-webkit-deflate-frame, permessage-deflate; client_max_window_bits; server_max_window_bits="10"'),
    'ext-bad': cat([6], u16(0), SEED, 'permessage-deflate; server_max_window_bits=8; server_no_context_takeover=1, permessage-deflate;'),
  },
};

for (const [target, files] of Object.entries(seeds)) {
  const dir = path.join(__dirname, 'corpus', target);
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), bytes);
}
console.log('seeds written to', path.join(__dirname, 'corpus'));
