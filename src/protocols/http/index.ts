/** HTTP/1.1 as a protocol module (native side: native/core/http). */
import type { ProtocolModule } from '../module';
import { HttpExchange, type HttpServerHandlers } from './exchange';
import { normalizeHttpFraming, type NormalizedHttpFraming } from './options';

export const HTTP: ProtocolModule<NormalizedHttpFraming, HttpServerHandlers<any>> = {
  types: ['http'],
  normalize: normalizeHttpFraming,
  create: (ctx) => new HttpExchange(ctx),
};
