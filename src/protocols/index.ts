/**
 * The protocol registry, keyed by framing type (the TypeScript twin of
 * native makeProtocol() in native/core/protocol.cc): each module brings its
 * framing types, option normaliser, handlers and Protocol. To add a protocol,
 * write src/protocols/<name>/ exporting a ProtocolModule and list it here,
 * with its options in FramingOptions and its handlers in Handlers.
 */
import { InvalidOptionError } from '../errors';
import type { ConnectionHandlers } from '../handlers';
import type { NormalizedFraming } from '../protocol';
import { oneOf, plainObject } from '../options/validate';
import { FRAMES } from './frames';
import type { PlainFramingOptions } from './frames/options';
import { GOIM_WITH_TRANSPORT } from './goim_websocket';
import type { GoimAuthHandler } from './goim/handlers';
import type { GoimFramingOptions } from './goim/options';
import { HTTP_WITH_WEBSOCKET, type HttpWebSocketFramingOptions } from './http_websocket';
import { WEBSOCKET } from './websocket';
import type { HttpHandlers } from './http/handlers';
import type { HttpFramingOptions } from './http/options';
import type { WebSocketHandlers } from './websocket/handlers';
import type { WebSocketFramingOptions } from './websocket/options';
import type { ProtocolModule } from './module';

/** Every protocol module, in the order framing types are listed in errors. */
const MODULES: ReadonlyArray<ProtocolModule<any, any>> = [FRAMES, GOIM_WITH_TRANSPORT, HTTP_WITH_WEBSOCKET, WEBSOCKET];

/** What `framing` can be: one entry per framing type. */
export type FramingOptions =
  | PlainFramingOptions | GoimFramingOptions | HttpFramingOptions | HttpWebSocketFramingOptions | WebSocketFramingOptions;

/** Handlers of a server: the connection's, plus those each protocol owns. */
export interface Handlers<T = unknown, F = Buffer> extends ConnectionHandlers<T, F>, GoimAuthHandler<T>, HttpHandlers<T> {
  /** framing 'http' with a websocket path: the handlers of its WebSockets. */
  websocket?: WebSocketHandlers<T>;
}

const BY_TYPE = new Map<string, ProtocolModule<any, any>>(MODULES.flatMap((m) => m.types.map((t) => [t, m] as const)));
const TYPES = [...BY_TYPE.keys()];

/** The module serving a normalized framing. */
export function protocolModule(framing: NormalizedFraming): ProtocolModule<any, any> {
  return BY_TYPE.get(framing.name) as ProtocolModule<any, any>;
}

/** Validates `options.framing` (default: length-prefixed) with its module's normaliser. */
export function normalizeFraming(v: unknown): NormalizedFraming {
  if (v === undefined) v = { type: 'length' };
  const f = plainObject('framing', v);
  const type = oneOf('framing.type', f.type, TYPES);
  return (BY_TYPE.get(type) as ProtocolModule<any, any>).normalize(f);
}

/** Throws when `handlers` has a handler another framing owns (onAuth without goim). */
export function checkForeignHandlers(framing: NormalizedFraming, handlers: object): void {
  const own = protocolModule(framing);
  for (const m of MODULES) {
    if (m === own || m.exclusiveHandlers === undefined) continue;
    for (const name of m.exclusiveHandlers) {
      if ((handlers as Record<string, unknown>)[name] !== undefined) {
        throw new InvalidOptionError(`handlers.${name}`, `needs framing { type: '${m.types[0] as string}' }`);
      }
    }
  }
}
