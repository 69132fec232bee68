/**
 * WebSocket as a protocol module (native side: native/core/websocket):
 * framing 'websocket', a WebSocket server. framing 'http' with a `websocket`
 * option composes it with HTTP in src/protocols/http_websocket.ts.
 */
import type { Connection } from '../../connection';
import type { ConnectionHandlers } from '../../handlers';
import type { ProtocolModule } from '../module';
import type { WebSocketHandlers } from './handlers';
import { normalizeWebSocketFraming, type NormalizedWebSocketFraming } from './options';
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

export { WebSocketProtocol } from './protocol';

export const WEBSOCKET: ProtocolModule<NormalizedWebSocketFraming, WebSocketHandlers<any>> = {
  types: ['websocket'],
  normalize: normalizeWebSocketFraming,
  exclusiveHandlers: ['onUpgrade', 'onMessage', 'onPing', 'onPong'],
  connectionHandlers: wsConnectionHandlers,
  create: (ctx) => new WebSocketProtocol(ctx, ctx.handlers, undefined),
};
