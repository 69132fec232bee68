/**
 * WebSocket options and their validation (native side: native/core/websocket
 * and codec/ws_codec.h, FramingType 6). Two shapes: framing { type:
 * 'websocket' } (a WebSocket server), and framing { type: 'http', websocket:
 * { path } } (HTTP requests to onRequest, upgrades on `path` to
 * handlers.websocket).
 */
import { InvalidOptionError } from '../../errors';
import type { NormalizedFraming } from '../../protocol';
import { INT32_MAX, bool, int, rejectUnknown } from '../../options/validate';
import type { PerMessageDeflateOptions } from '../permessage_deflate';

export type { PerMessageDeflateOptions };

/** Options of the WebSocket layer, in either shape. */
export interface WebSocketOptions {
  /** The path upgrades are accepted on ('/ws'; the query is ignored). Default: every path. */
  path?: string;
  /** Largest message accepted (all fragments), bytes; larger closes with 1009. Default 1 MiB, at most 1 GiB. */
  maxPayloadLength?: number;
  /**
   * ws.send() returns BACKPRESSURE once more than this many bytes are queued, and DROPPED (the message is
   * not sent) while above it. Default 1 MiB (or maxOutbound if lower): an answer as large as the default
   * maxPayloadLength is never dropped behind a reply already queued. At most maxOutbound.
   */
  maxBackpressure?: number;
  /** Above maxBackpressure, close the connection ('backpressure') instead of dropping messages. Default false. */
  closeOnBackpressureLimit?: boolean;
  /** ms without receiving anything before the connection is closed (1001). 0: never. Default 120000. */
  idleTimeout?: number;
  /**
   * ms a WebSocket may stay open, however busy: then it is closed with 1001 (close reason
   * 'max-lifetime'), e.g. so clients reconnect to fresh servers or re-authenticate. Checked to the
   * second, never early. 0: no limit (the default, as uWebSockets.js).
   */
  maxLifetime?: number;
  /** Ping the client after half of idleTimeout in silence (its pong keeps it open). Default true. */
  sendPings?: boolean;
  /** ms ws.end() waits for the client's close frame before resetting the connection. Default 5000. */
  closeTimeout?: number;
  /** ms onUpgrade may take to accept or reject (then 'header-timeout'). Default 10000. */
  upgradeTimeout?: number;
  /**
   * permessage-deflate (RFC 7692). `true` (= `{ compress: 'shared' }`): accept offers; clients may
   * send compressed messages (inflated natively within maxPayloadLength) and the server compresses
   * its text and binary messages of `threshold` bytes or more with the worker's shared compressor.
   * Negotiated with both no_context_takeover parameters, so one zlib stream per worker serves every
   * connection: no zlib memory per connection. `{ compress: 'dedicated' }`: a compressor per
   * connection keeping its context (smaller messages, ~26 KB per connection at the defaults).
   * `{ compress: false }`: accept offers, send uncompressed. Default false (no extension).
   */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
}

/** framing { type: 'websocket' }: a WebSocket server (handlers: onOpen(ws), onMessage(ws, data, isBinary), ...). */
export interface WebSocketFramingOptions extends WebSocketOptions {
  type: 'websocket';
  /** The upgrade request's header section, bytes (431 beyond). Default 16 KiB. */
  maxHeaderSize?: number;
  /** Header fields of the upgrade request (431 beyond). Default 100. */
  maxHeaders?: number;
  /** ms the upgrade request may take to arrive. Default 10000. */
  headerTimeout?: number;
}

/** What native/bridge/config_parse.cc reads for WebSocket (FramingType 6), plus the JS-only limits. */
export interface NormalizedWebSocketFraming extends NormalizedFraming {
  path: string;
  maxPayloadLength: number;
  idleTimeoutMs: number;
  maxLifetimeMs: number;
  sendPings: boolean;
  closeTimeoutMs: number;
  upgradeTimeoutMs: number;
  perMessageDeflate: boolean;
  /** perMessageDeflate: the server compresses its messages... */
  compress: boolean;
  /** ... of at least this many bytes... */
  compressThreshold: number;
  /** ... with a compressor per connection (compress: 'dedicated'), at most maxDedicated per worker. */
  dedicatedCompressor: boolean;
  maxDedicated: number;
  memLevel: number;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
  /** Set by the protocol when handlers.onUpgrade exists. */
  jsUpgrade: boolean;
  /** Set when onPing/onPong exist. */
  deliverPings: boolean;
  httpRequests: boolean;
  maxHeaderSize: number;
  maxUriLength: number;
  maxHeaders: number;
  maxBodySize: number;
  headerTimeoutMs: number;
  bodyTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** JS only. */
  maxBackpressure: number;
  closeOnBackpressureLimit: boolean;
  /** framing 'http' + websocket: the HTTP side's options (src/protocols/http_websocket.ts). */
  http?: NormalizedFraming;
}

export const WS_KEYS = ['path', 'maxPayloadLength', 'maxBackpressure', 'closeOnBackpressureLimit', 'idleTimeout', 'maxLifetime', 'sendPings', 'closeTimeout', 'upgradeTimeout', 'perMessageDeflate'] as const;

/** The WebSocket layer's options under `prefix` ('framing' or 'framing.websocket'). */
export function wsOptions(prefix: string, f: Record<string, unknown>) {
  let path = '';
  if (f.path !== undefined) {
    if (typeof f.path !== 'string' || !f.path.startsWith('/') || /[\s?#]/.test(f.path) || f.path.length > 4096) {
      throw new InvalidOptionError(`${prefix}.path`, "must be a path starting with '/' (no spaces, '?' or '#')");
    }
    path = f.path;
  }
  const maxPayloadLength = f.maxPayloadLength === undefined ? 1024 * 1024 : int(`${prefix}.maxPayloadLength`, f.maxPayloadLength, 1, 2 ** 30);
  // -1: the default, min(1 MiB, maxOutbound), settled when the server is created.
  const maxBackpressure = f.maxBackpressure === undefined ? -1 : int(`${prefix}.maxBackpressure`, f.maxBackpressure, 0, 2 ** 40);
  return {
    path,
    maxPayloadLength,
    maxBackpressure,
    closeOnBackpressureLimit: f.closeOnBackpressureLimit === undefined ? false : bool(`${prefix}.closeOnBackpressureLimit`, f.closeOnBackpressureLimit),
    idleTimeoutMs: f.idleTimeout === undefined ? 120_000 : int(`${prefix}.idleTimeout`, f.idleTimeout, 0, INT32_MAX),
    maxLifetimeMs: f.maxLifetime === undefined ? 0 : int(`${prefix}.maxLifetime`, f.maxLifetime, 0, INT32_MAX),
    sendPings: f.sendPings === undefined ? true : bool(`${prefix}.sendPings`, f.sendPings),
    closeTimeoutMs: f.closeTimeout === undefined ? 5000 : int(`${prefix}.closeTimeout`, f.closeTimeout, 1, INT32_MAX),
    upgradeTimeoutMs: f.upgradeTimeout === undefined ? 10_000 : int(`${prefix}.upgradeTimeout`, f.upgradeTimeout, 0, INT32_MAX),
    ...deflateOptions(`${prefix}.perMessageDeflate`, f.perMessageDeflate),
    jsUpgrade: false,
    deliverPings: false,
    // The upgrade is an HTTP/1.1 request: over TLS, ALPN says so (browsers offer h2 first).
    alpn: ['http/1.1'],
    // Pongs and close frames leave natively, apart from the handler's messages (protocol.ts).
    noDelay: true,
    overhead: 10,
    maxPayload: 2 ** 30,
  };
}

const DEFAULT_THRESHOLD = 1024;

/** The dedicated compressor's defaults: 26,432 B per connection (bench/ws-deflate-memory.cc; README). */
const DEDICATED_WINDOW_BITS = 12;
const DEDICATED_MEM_LEVEL = 3;
const DEFAULT_MAX_DEDICATED = 1024;

type DeflateFields = Pick<NormalizedWebSocketFraming, 'perMessageDeflate' | 'compress' | 'compressThreshold' | 'dedicatedCompressor' | 'maxDedicated' | 'memLevel' | 'serverMaxWindowBits' | 'clientMaxWindowBits'>;

function deflateOptions(name: string, v: unknown): DeflateFields {
  const off = { dedicatedCompressor: false, maxDedicated: DEFAULT_MAX_DEDICATED, memLevel: DEDICATED_MEM_LEVEL, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
  if (v === undefined || typeof v === 'boolean') {
    return { perMessageDeflate: v === true, compress: v === true, compressThreshold: DEFAULT_THRESHOLD, ...off };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new InvalidOptionError(name, "must be a boolean or { compress?: 'shared' | 'dedicated' | false, threshold?, serverMaxWindowBits?, clientMaxWindowBits?, memLevel?, maxDedicated? }");
  }
  const o = v as Record<string, unknown>;
  rejectUnknown(name, o, ['compress', 'threshold', 'serverMaxWindowBits', 'clientMaxWindowBits', 'memLevel', 'maxDedicated']);
  if (o.compress !== undefined && o.compress !== 'shared' && o.compress !== 'dedicated' && o.compress !== false) {
    throw new InvalidOptionError(`${name}.compress`, `must be 'shared', 'dedicated' or false, got ${JSON.stringify(o.compress)}`);
  }
  const dedicated = o.compress === 'dedicated';
  if (!dedicated) {
    for (const k of ['memLevel', 'maxDedicated']) {
      if (o[k] !== undefined) throw new InvalidOptionError(`${name}.${k}`, "applies to compress: 'dedicated' only");
    }
  }
  return {
    perMessageDeflate: true,
    compress: o.compress !== false,
    compressThreshold: o.threshold === undefined ? DEFAULT_THRESHOLD : int(`${name}.threshold`, o.threshold, 0, 2 ** 30),
    dedicatedCompressor: dedicated,
    maxDedicated: o.maxDedicated === undefined ? DEFAULT_MAX_DEDICATED : int(`${name}.maxDedicated`, o.maxDedicated, 0, 1_000_000),
    memLevel: o.memLevel === undefined ? DEDICATED_MEM_LEVEL : int(`${name}.memLevel`, o.memLevel, 1, 9),
    // 8 is not offered: zlib cannot deflate with a 256-byte window.
    serverMaxWindowBits: o.serverMaxWindowBits === undefined ? (dedicated ? DEDICATED_WINDOW_BITS : 15) : int(`${name}.serverMaxWindowBits`, o.serverMaxWindowBits, 9, 15),
    clientMaxWindowBits: o.clientMaxWindowBits === undefined ? 15 : int(`${name}.clientMaxWindowBits`, o.clientMaxWindowBits, 8, 15),
  };
}

export function normalizeWebSocketFraming(f: Record<string, unknown>): NormalizedWebSocketFraming {
  rejectUnknown('framing', f, ['type', ...WS_KEYS, 'maxHeaderSize', 'maxHeaders', 'headerTimeout']);
  const maxHeaderSize = f.maxHeaderSize === undefined ? 16 * 1024 : int('framing.maxHeaderSize', f.maxHeaderSize, 64, 1024 * 1024);
  return {
    type: 6,
    name: 'websocket',
    ...wsOptions('framing', f),
    httpRequests: false,
    maxHeaderSize,
    maxUriLength: Math.min(8 * 1024, maxHeaderSize),
    maxHeaders: f.maxHeaders === undefined ? 100 : int('framing.maxHeaders', f.maxHeaders, 1, 10000),
    maxBodySize: 0,
    headerTimeoutMs: f.headerTimeout === undefined ? 10_000 : int('framing.headerTimeout', f.headerTimeout, 0, INT32_MAX),
    bodyTimeoutMs: 10_000,
    keepAliveTimeoutMs: 0,
  };
}
