/** goim framing options and their validation (native side: native/core/goim). */
import type { NormalizedFraming } from '../../protocol';
import type { PerMessageDeflateOptions } from '../permessage_deflate';
import { INT32_MAX, bool, int, oneOf, rejectUnknown } from '../../options/validate';
import { CLOSE_HEARTBEAT_TIMEOUT } from '../../wire';

/**
 * goim packets: packLen u32 | headerLen u16 | ver u16 | op u32 | seq u32 | body,
 * big-endian. onFrame receives { op, seq, ver, body }; send() takes { op, seq?, ver?, body? }.
 */
export interface GoimFramingOptions {
  type: 'goim';
  /** Largest packLen accepted (header included). Default 64 KiB. */
  maxFrameLength?: number;
  /** A headerLen above 16 (20 with checksum): 'skip' the extra header bytes (default) or 'reject' the packet ('bad-frame'). */
  extendedHeader?: 'skip' | 'reject';
  /**
   * CRC-32 (IEEE, as zlib) of the body in a 4-byte header extension (headerLen 20), checked on
   * every packet received and written on every packet sent. Default false (stock goim clients).
   */
  checksum?: boolean;
  /**
   * Close a connection that sent nothing (no heartbeat, no message) for this many ms, reason
   * 'heartbeat-timeout'. Heartbeats (op 2) are answered natively with op 3. 0 (default) = off.
   */
  heartbeatTimeout?: number;
  /** With an onAuth handler: close unless the auth is accepted within this many ms ('auth-timeout'). Default 10000; 0 = no limit. */
  authTimeout?: number;
  /** Protocol version written when a sent frame gives none. Default 1. */
  ver?: number;
  /**
   * 'websocket': serve goim's web clients, one packet per binary WebSocket message (with the
   * WebSocket options: path, idleTimeout, maxBackpressure...). Default 'tcp'.
   */
  transport?: 'tcp' | 'websocket';
  /** transport 'websocket': the upgrade path (goim: '/sub'). */
  path?: string;
  /**
   * transport 'websocket': permessage-deflate as for framing 'websocket' (each goim packet, header
   * included, is one compressed message; broadcasts are compressed once). Default false.
   */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
}

/** What native/bridge/config_parse.cc reads for goim (native FramingType 4). */
export interface NormalizedGoimFraming extends NormalizedFraming {
  maxFrameLength: number;
  allowExtendedHeader: boolean;
  checksum: boolean;
  /** The auth gate is on (set when the server has an onAuth handler). */
  auth: boolean;
  authTimeoutMs: number;
  /** JS only: the ver written when a sent frame gives none. */
  ver: number;
}

export function normalizeGoimFraming(f: Record<string, unknown>): NormalizedGoimFraming {
  rejectUnknown('framing', f, ['type', 'maxFrameLength', 'extendedHeader', 'checksum', 'heartbeatTimeout', 'authTimeout', 'ver']);
  const checksum = f.checksum === undefined ? false : bool('framing.checksum', f.checksum);
  const header = checksum ? 20 : 16;
  const max = f.maxFrameLength === undefined ? 64 * 1024 : int('framing.maxFrameLength', f.maxFrameLength, header, 2 ** 32 - 1);
  const extended = f.extendedHeader === undefined ? 'skip' : oneOf('framing.extendedHeader', f.extendedHeader, ['skip', 'reject'] as const);
  const heartbeatTimeoutMs = f.heartbeatTimeout === undefined ? 0 : int('framing.heartbeatTimeout', f.heartbeatTimeout, 0, INT32_MAX);
  return {
    type: 4,
    name: 'goim',
    maxFrameLength: max,
    allowExtendedHeader: extended === 'skip',
    checksum,
    auth: false,
    authTimeoutMs: f.authTimeout === undefined ? 10_000 : int('framing.authTimeout', f.authTimeout, 0, INT32_MAX),
    // The heartbeat timeout is the read timeout under its own close reason.
    readTimeoutMs: heartbeatTimeoutMs,
    readTimeoutReason: CLOSE_HEARTBEAT_TIMEOUT,
    // Heartbeat replies leave natively, apart from the handler's replies (protocol.ts).
    noDelay: true,
    ver: f.ver === undefined ? 1 : int('framing.ver', f.ver, 0, 0xffff),
    overhead: header,
    maxPayload: max - header,
  };
}
