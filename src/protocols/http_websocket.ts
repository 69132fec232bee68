/**
 * framing 'http' with a `websocket` option: one server answers HTTP with
 * onRequest and upgrades WebSocket requests on `path` to handlers.websocket
 * (native: FramingType 6 with httpRequests). It composes the two protocol
 * modules, so it lives here, beside them; without the option 'http' is the
 * HTTP module unchanged.
 */
import { InvalidOptionError } from '../errors';
import type { NormalizedFraming } from '../protocol';
import { plainObject, rejectUnknown } from '../options/validate';
import { HttpExchange, type HttpServerHandlers } from './http/exchange';
import { normalizeHttpFraming, type HttpFramingOptions, type NormalizedHttpFraming } from './http/options';
import type { ProtocolModule } from './module';
import type { WebSocketHandlers } from './websocket/handlers';
import { WS_KEYS, wsOptions, type NormalizedWebSocketFraming, type WebSocketOptions } from './websocket/options';
import { WebSocketProtocol } from './websocket';

/** framing { type: 'http', websocket: {...} }: HTTP and WebSocket on one server. */
export interface HttpWebSocketFramingOptions extends HttpFramingOptions {
  websocket: WebSocketOptions;
}

export function normalizeHttpFramingWithWebSocket(f: Record<string, unknown>): NormalizedFraming {
  if (f.websocket === undefined) return normalizeHttpFraming(f);
  const { websocket, ...rest } = f;
  const http = normalizeHttpFraming(rest);
  const w = plainObject('framing.websocket', websocket);
  rejectUnknown('framing.websocket', w, WS_KEYS);
  if (w.path === undefined) throw new InvalidOptionError('framing.websocket.path', "is required (the path upgrades are accepted on, e.g. '/ws')");
  const out: NormalizedWebSocketFraming = {
    ...http,
    ...wsOptions('framing.websocket', w),
    type: 6,
    name: 'http',
    httpRequests: true,
    http,
  };
  return out;
}

type HttpWsHandlers<T> = HttpServerHandlers<T> & { websocket?: WebSocketHandlers<T> };

export const HTTP_WITH_WEBSOCKET: ProtocolModule<any, HttpWsHandlers<any>> = {
  types: ['http'],
  normalize: normalizeHttpFramingWithWebSocket,
  exclusiveHandlers: ['websocket'],
  create: (ctx) => {
    const f = ctx.framing as NormalizedWebSocketFraming | NormalizedHttpFraming;
    if (!('httpRequests' in f)) {
      if (ctx.handlers.websocket !== undefined) {
        throw new InvalidOptionError('handlers.websocket', "needs framing { type: 'http', websocket: { path } }");
      }
      return new HttpExchange(ctx as never);
    }
    const ws = ctx.handlers.websocket;
    if (typeof ws !== 'object' || ws === null) {
      throw new InvalidOptionError('handlers.websocket', "framing 'http' with websocket needs handlers.websocket { onOpen, onMessage, ... }");
    }
    const http = new HttpExchange({ ...ctx, framing: f.http as NormalizedHttpFraming } as never);
    return new WebSocketProtocol(ctx as never, ws, http);
  },
};
