/** HTTP/1.1 framing options and their validation (native side: native/core/http). */
import type { NormalizedFraming } from '../../protocol';
import { InvalidOptionError } from '../../errors';
import { INT32_MAX, int, rejectUnknown } from '../../options/validate';
import { methodListError } from './methods';

/**
 * HTTP/1.1 requests, parsed natively; handle them with onRequest(req, res).
 * A request over a limit is answered with its status and the connection closed.
 */
export interface HttpFramingOptions {
  type: 'http';
  /** Request line + header fields, bytes (431 beyond). Default 16 KiB (as node:http). */
  maxHeaderSize?: number;
  /** Request target length (414 beyond). Default 8 KiB. */
  maxUriLength?: number;
  /** Header fields per request (431 beyond). Default 100. */
  maxHeaders?: number;
  /** Body bytes, Content-Length or de-chunked (413 beyond). Default 1 MiB, at most 512 MiB - 1. */
  maxBodySize?: number;
  /**
   * ms allowed for a request's header section, from the connection's start or
   * the request's first byte (slowloris); the connection is closed with
   * 'header-timeout'. 0 disables it. Default 10000.
   */
  headerTimeout?: number;
  /**
   * ms a request body may pause between reads once its head is in (a stalled
   * upload); the connection is closed with 'read-timeout'. 0 disables it. Default 10000.
   */
  bodyTimeout?: number;
  /** ms an idle keep-alive connection (no request in progress, none unanswered) stays open ('idle-timeout'). 0 disables it. Default 5000 (as node:http). */
  keepAliveTimeout?: number;
  /** Unanswered requests per connection before it stops reading (pipelining bound). Default 64. */
  maxPipelined?: number;
  /**
   * The request methods served (case-sensitive tokens); any other is answered
   * 501. Default HTTP_METHODS (llhttp's list, as node:http's METHODS). To add
   * extension methods: [...HTTP_METHODS, 'BREW'].
   */
  methods?: readonly string[];
  /** Bytes of chunk extensions per chunk-size line (413 beyond). Default 4096, at most 65536; 0 refuses any extension. */
  maxChunkExtensionSize?: number;
}

/** What native/bridge/config_parse.cc reads for HTTP (native FramingType 5). */
export interface NormalizedHttpFraming extends NormalizedFraming {
  maxHeaderSize: number;
  maxUriLength: number;
  maxHeaders: number;
  maxBodySize: number;
  headerTimeoutMs: number;
  bodyTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxChunkExtensionSize: number;
  /** The method table (absent: the native standard one). */
  methods?: string[];
  /** JS only: unanswered requests before the connection is paused. */
  maxPipelined: number;
}

export function normalizeHttpFraming(f: Record<string, unknown>): NormalizedHttpFraming {
  rejectUnknown('framing', f, ['type', 'maxHeaderSize', 'maxUriLength', 'maxHeaders', 'maxBodySize', 'headerTimeout', 'bodyTimeout', 'keepAliveTimeout', 'maxPipelined', 'methods', 'maxChunkExtensionSize']);
  if (f.methods !== undefined) {
    const problem = methodListError(f.methods);
    if (problem !== undefined) throw new InvalidOptionError('framing.methods', problem);
  }
  const maxHeaderSize = f.maxHeaderSize === undefined ? 16 * 1024 : int('framing.maxHeaderSize', f.maxHeaderSize, 64, 1024 * 1024);
  const maxUriLength = f.maxUriLength === undefined ? Math.min(8 * 1024, maxHeaderSize) : int('framing.maxUriLength', f.maxUriLength, 1, maxHeaderSize);
  return {
    type: 5,
    name: 'http',
    alpn: ['http/1.1'],
    maxHeaderSize,
    maxUriLength,
    maxHeaders: f.maxHeaders === undefined ? 100 : int('framing.maxHeaders', f.maxHeaders, 1, 10000),
    maxBodySize: f.maxBodySize === undefined ? 1024 * 1024 : int('framing.maxBodySize', f.maxBodySize, 0, 2 ** 29 - 1),
    headerTimeoutMs: f.headerTimeout === undefined ? 10000 : int('framing.headerTimeout', f.headerTimeout, 0, INT32_MAX),
    bodyTimeoutMs: f.bodyTimeout === undefined ? 10000 : int('framing.bodyTimeout', f.bodyTimeout, 0, INT32_MAX),
    keepAliveTimeoutMs: f.keepAliveTimeout === undefined ? 5000 : int('framing.keepAliveTimeout', f.keepAliveTimeout, 0, INT32_MAX),
    maxPipelined: f.maxPipelined === undefined ? 64 : int('framing.maxPipelined', f.maxPipelined, 1, 65535),
    maxChunkExtensionSize: f.maxChunkExtensionSize === undefined ? 4096 : int('framing.maxChunkExtensionSize', f.maxChunkExtensionSize, 0, 65536),
    ...(f.methods === undefined ? {} : { methods: [...(f.methods as string[])] }),
    overhead: 0,
    maxPayload: Number.MAX_SAFE_INTEGER,
  };
}
