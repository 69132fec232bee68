/**
 * ringnet: a raw TCP / Unix-socket server whose sockets live in native reactor
 * threads (epoll or io_uring); decoded frames reach your handlers in batches.
 */
import { Server, type Handlers } from './server';
import type { GoimFramingOptions, ServerOptions } from './options';
import type { GoimFrame } from './goim';

export { Server, copyFrame } from './server';
export type { Handlers, ListenOptions, AddressInfo, CloseOptions, ServerStats, WorkerStatsView, CopyStats } from './server';
export { Connection } from './connection';
export type { ConnectionOptionName, KeepAliveState, TcpInfo } from './connection';
export * from './errors';
export type {
  ServerOptions, FramingOptions, LengthFramingOptions, DelimiterFramingOptions, FixedFramingOptions, RawFramingOptions,
  HttpFramingOptions,
  ListenerSocketOptions, ConnectionSocketOptions, KeepAliveOptions, Backend, AcceptMode, IoUringOptions,
  GoimFramingOptions,
} from './options';
export { GOIM_OP, decodeGoimFrame } from './goim';
export type { GoimFrame, GoimOutFrame, GoimAuthResult } from './goim';

/** Handlers of a goim server: frames are typed packets. */
export type GoimHandlers<T = unknown> = Handlers<T, GoimFrame>;
export type { CloseReason } from './wire';
export { HttpRequest } from './http/request';
export type { IncomingHeaders } from './http/request';
export { HttpResponse } from './http/response';
export type { OutgoingHeaderValue, ResponseEvent } from './http/response';

/** Creates a server. Options are validated here: a bad value throws InvalidOptionError. */
export function createServer<T = unknown>(options: ServerOptions & { framing: GoimFramingOptions }, handlers: GoimHandlers<T>): Server<T>;
export function createServer<T = unknown>(options: ServerOptions | undefined, handlers: Handlers<T>): Server<T>;
export function createServer<T = unknown>(options: ServerOptions | undefined, handlers: Handlers<T, any>): Server<T> {
  return new Server<T>(options, handlers);
}
