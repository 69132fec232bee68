/**
 * ringnet: a raw TCP / Unix-socket server whose sockets live in native reactor
 * threads (epoll or io_uring); decoded frames reach your handlers in batches.
 */
import { Server, type Handlers } from './server';
import type { ServerOptions } from './options';

export { Server, copyFrame } from './server';
export type { Handlers, ListenOptions, AddressInfo, CloseOptions, ServerStats, WorkerStatsView } from './server';
export { Connection } from './connection';
export type { ConnectionOptionName, KeepAliveState, TcpInfo } from './connection';
export * from './errors';
export type {
  ServerOptions, FramingOptions, LengthFramingOptions, DelimiterFramingOptions, FixedFramingOptions, RawFramingOptions,
  HttpFramingOptions,
  ListenerSocketOptions, ConnectionSocketOptions, KeepAliveOptions, Backend, AcceptMode, IoUringOptions,
} from './options';
export type { CloseReason } from './wire';
export { HttpRequest } from './http/request';
export type { IncomingHeaders } from './http/request';
export { HttpResponse } from './http/response';
export type { OutgoingHeaderValue, ResponseEvent } from './http/response';

/** Creates a server. Options are validated here: a bad value throws InvalidOptionError. */
export function createServer<T = unknown>(options: ServerOptions | undefined, handlers: Handlers<T>): Server<T> {
  return new Server<T>(options, handlers);
}
