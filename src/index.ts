/**
 * ringnet: a raw TCP / Unix-socket server whose sockets live in native reactor
 * threads (epoll or io_uring); decoded frames reach your handlers in batches.
 */
import { Server, type Handlers } from './server';
import type { GoimFramingOptions, ServerOptions } from './options';
import type { GoimFrame } from './protocols/goim/frame';
import type { WebSocketHandlers } from './protocols/websocket/handlers';
import type { WebSocketFramingOptions } from './protocols/websocket/options';

export { Server, copyFrame } from './server';
export { ServerGroup } from './server_group';
export type { Handlers, ListenOptions, AddressInfo, CloseOptions, ServerStats, WorkerStatsView, CopyStats } from './server';
export { Connection } from './connection';
export type { ConnectionOptionName, KeepAliveState, TcpInfo } from './connection';
export * from './errors';
export { AuthRequiredError, AuthRejectedError } from './protocols/goim/errors';
export { HttpParseError, HttpResponseError } from './protocols/http/errors';
export type {
  ServerOptions, FramingOptions, LengthFramingOptions, DelimiterFramingOptions, FixedFramingOptions, RawFramingOptions,
  HttpFramingOptions,
  ListenerSocketOptions, ConnectionSocketOptions, KeepAliveOptions, Backend, AcceptMode, IoUringOptions,
  GoimFramingOptions,
} from './options';
export { GOIM_OP, decodeGoimFrame } from './protocols/goim/frame';
export type { TlsOptions, TlsIdentityOptions, TlsInfo, PemInput } from './tls';
export type { GoimFrame, GoimOutFrame, GoimAuthResult } from './protocols/goim/frame';

/** Handlers of a goim server: frames are typed packets. */
export type GoimHandlers<T = unknown> = Handlers<T, GoimFrame>;
export type { CloseReason } from './wire';
export type { ProxyProtocolOptions } from './proxy';
export type { AdapterEvents, AdapterState, ClusterAdapter, NatsAdapterOptions, RedisAdapterOptions } from './cluster/adapter';
export type { ClusterNode, ClusterStats } from './cluster/node';
export type { ClusterOptions } from './cluster/options';
export type { QueueLimits } from './cluster/queue';
export type { SendPayload, SendPayloadTypes } from './protocol';
export type { PlainFramingOptions } from './protocols/frames/options';
export { HttpRequest } from './protocols/http_request';
export { HTTP_METHODS } from './protocols/http/methods';
export type { IncomingHeaders } from './protocols/http_request';
export { HttpResponse } from './protocols/http/response';
export type { OutgoingHeaderValue, ResponseEvent } from './protocols/http/response';

export { ServerWebSocket, SendStatus } from './protocols/websocket/socket';
export { WebSocketUpgrade } from './protocols/websocket/upgrade';
export { WebSocketProtocolError, WebSocketCloseTimeoutError, WebSocketUsageError } from './protocols/websocket/errors';
export type { WebSocketHandlers } from './protocols/websocket/handlers';
export type { WebSocketOptions, WebSocketFramingOptions } from './protocols/websocket/options';
export type { PerMessageDeflateOptions } from './protocols/permessage_deflate';
export type { HttpWebSocketFramingOptions } from './protocols/http_websocket';

/** Creates a server. Options are validated here: a bad value throws InvalidOptionError. */
export function createServer<T = unknown>(options: ServerOptions & { framing: WebSocketFramingOptions }, handlers: WebSocketHandlers<T>): Server<T>;
export function createServer<T = unknown>(options: ServerOptions & { framing: GoimFramingOptions }, handlers: GoimHandlers<T>): Server<T>;
export function createServer<T = unknown>(options: ServerOptions | undefined, handlers: Handlers<T>): Server<T>;
export function createServer<T = unknown>(options: ServerOptions | undefined, handlers: Handlers<T, any> | WebSocketHandlers<T>): Server<T> {
  // A WebSocket server's handlers take ServerWebSockets: its protocol module calls them (connectionHandlers).
  return new Server<T>(options, handlers as Handlers<T, any>);
}
