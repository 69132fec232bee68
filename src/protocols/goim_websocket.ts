/**
 * framing { type: 'goim', transport: 'websocket', path }: the goim protocol
 * (auth gate and timeout, heartbeats answered natively with op 3, rooms) for
 * goim's web clients: one goim packet per binary WebSocket message in, one per
 * message out (native: FramingType 6 with goimOverWebSocket; text frames close
 * with 1003). It composes the goim and websocket modules, so it lives here;
 * without `transport` (or with 'tcp') 'goim' is the goim module unchanged.
 * A Comet serving both transports runs two servers (TCP on one port, this on
 * another); see README for broadcasting to both.
 */
import { oneOf, rejectUnknown } from '../options/validate';
import type { NormalizedFraming } from '../protocol';
import { GOIM } from './goim';
import { normalizeGoimFraming } from './goim/options';
import type { ProtocolModule } from './module';
import { WS_KEYS, wsOptions } from './websocket/options';

const GOIM_KEYS = ['type', 'maxFrameLength', 'extendedHeader', 'checksum', 'heartbeatTimeout', 'authTimeout', 'ver'];

export function normalizeGoimFramingWithTransport(f: Record<string, unknown>): NormalizedFraming {
  const transport = f.transport === undefined ? 'tcp' : oneOf('framing.transport', f.transport, ['tcp', 'websocket'] as const);
  const { transport: _t, ...rest } = f;
  if (transport === 'tcp') return normalizeGoimFraming(rest);
  rejectUnknown('framing', f, [...GOIM_KEYS, 'transport', ...WS_KEYS]);
  const goimOnly: Record<string, unknown> = {};
  const wsOnly: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) ((WS_KEYS as readonly string[]).includes(k) ? wsOnly : goimOnly)[k] = v;
  const goim = normalizeGoimFraming(goimOnly);
  const ws = wsOptions('framing', wsOnly);
  return {
    ...goim,
    ...ws,
    // A message holds one packet: the WebSocket limit is goim's.
    maxPayloadLength: goim.maxFrameLength as number,
    type: 6,
    name: 'goim',
    goimOverWebSocket: true,
    httpRequests: false,
    maxHeaderSize: 16 * 1024,
    maxUriLength: 8 * 1024,
    maxHeaders: 100,
    maxBodySize: 0,
    headerTimeoutMs: 10_000,
    bodyTimeoutMs: 10_000,
    keepAliveTimeoutMs: 0,
    overhead: (goim.overhead as number) + 10,
    maxPayload: goim.maxPayload,
  } as NormalizedFraming;
}

export const GOIM_WITH_TRANSPORT: ProtocolModule<any, any> = {
  ...GOIM,
  normalize: normalizeGoimFramingWithTransport,
};
