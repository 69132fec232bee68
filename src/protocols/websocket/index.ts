/**
 * WebSocket as protocol modules (native side: native/core/websocket):
 * framing 'websocket' (a WebSocket server), and framing 'http' with a
 * `websocket` option (HTTP to onRequest, upgrades on the path to
 * handlers.websocket; without the option it is plain HTTP).
 */
import type { Connection } from '../../connection';
import { InvalidOptionError } from '../../errors';
import type { ConnectionHandlers } from '../../handlers';
import type { ProtocolModule } from '../module';
import { HttpExchange, type HttpServerHandlers } from '../http/exchange';
import type { NormalizedHttpFraming } from '../http/options';
import type { WebSocketHandlers } from './handlers';
import { normalizeHttpFramingWithWebSocket, normalizeWebSocketFraming, type NormalizedWebSocketFraming } from './options';
import { WebSocketProtocol } from './protocol';
import { ServerWebSocket } from './socket';

/** The server calls only onError for a WebSocket server (with the ws, when there is one). */
function wsConnectionHandlers<T>(h: WebSocketHandlers<T>): ConnectionHandlers<T, unknown> {
  const onError = h.onError;
  if (onError === undefined) return {};
  return {
    onError: (err: Error, conn?: Connection<T>) => {
      const p = conn?._proto;
      onError.call(h, err, p instanceof ServerWebSocket ? (p as ServerWebSocket<T>) : undefined);
    },
  };
}

export const WEBSOCKET: ProtocolModule<NormalizedWebSocketFraming, WebSocketHandlers<any>> = {
  types: ['websocket'],
  normalize: normalizeWebSocketFraming,
  exclusiveHandlers: ['onUpgrade', 'onMessage', 'onPing', 'onPong'],
  connectionHandlers: wsConnectionHandlers,
  create: (ctx) => new WebSocketProtocol(ctx, ctx.handlers, undefined),
};

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
