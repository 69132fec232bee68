/**
 * The protocol seam of the TypeScript side, mirroring native/core/protocol.h:
 * what a protocol does when a connection opens, when a frame or record
 * arrives, when output drains, when the connection closes, and how it encodes
 * what handlers send. The server and the connection call only this; each
 * protocol module under src/protocols/ implements it (and contributes its
 * option normaliser and handlers, see src/protocols/module.ts).
 *
 * `C` is the connection type (Connection<T>): kept as a parameter so this file
 * imports nothing from the connection, which itself holds a Protocol.
 */
import type { CloseReason } from './wire';

/**
 * What send() and broadcast() accept, by kind. Plain framings take bytes or
 * text; a protocol whose frames are structured adds its type by module
 * augmentation (goim adds GoimOutFrame, see src/protocols/goim/frame.ts).
 */
export interface SendPayloadTypes {
  bytes: Uint8Array;
  text: string;
}

/** Anything some protocol can send; each protocol rejects what it cannot encode. */
export type SendPayload = SendPayloadTypes[keyof SendPayloadTypes];

/**
 * A framing's options after validation: what the native layer receives
 * (native/bridge/config_parse.cc reads the protocol's own fields by name),
 * plus what the JS side needs to encode sends.
 */
export interface NormalizedFraming {
  /** native FramingType (native/core/server_config.h). */
  type: number;
  /** framing.type as given ('length', 'goim', 'http', ...). */
  name: string;
  /** Bytes send() adds around a payload (header + trailer), counted against the outbound limits. */
  overhead: number;
  /** Longest payload send() accepts. */
  maxPayload: number;
  /**
   * A read timeout the protocol imposes under its own close reason (goim's
   * heartbeatTimeout: 'heartbeat-timeout'); the shorter of it and the server's
   * readTimeout decides. 0 or absent: none.
   */
  readTimeoutMs?: number;
  /** Native close reason of readTimeoutMs (wire.ts CLOSE_REASONS index). */
  readTimeoutReason?: number;
  /** ALPN protocols a TLS server offers unless tls.alpn says otherwise (HTTP and WebSocket: ['http/1.1']). */
  alpn?: readonly string[];
  /**
   * TCP_NODELAY on every connection unless `connection.noDelay` says otherwise:
   * protocols whose native replies (goim's heartbeat reply, WebSocket's pong
   * and close) leave in their own send beside the handler's, where Nagle holds
   * the second small send until the peer's delayed ACK (~40 ms).
   */
  noDelay?: boolean;
}

/**
 * One server's protocol (one object per server; per-connection state lives on
 * the connection, in conn._proto, never here). Handlers that belong to the
 * protocol (onFrame, onAuth, onRequest, ...) are called from here; the server
 * calls the connection-level ones (onOpen, onDrain, onEnd, onClose, onError)
 * right after the matching hook. A connection normally keeps its server's
 * protocol; one may hand a connection to another by assigning conn._protocol
 * (an HTTP upgrade to WebSocket).
 */
export interface Protocol<C> {
  /** native onOpen: the connection was accepted; runs before handlers.onOpen. */
  open?(conn: C): void;
  /**
   * native onFrame/frameForJs: one frame (or protocol record, HTTP: a parsed
   * request) for JS. `frame` is a view into the batch buffer, valid during the
   * call only, unless `owned`. Paused and closing connections never get here.
   * What a handler throws is the protocol's to catch (host.handlerFailed).
   * `kind`: the frame event's aux (native FrameBytes::kind), what the
   * native protocol says the frame is (WebSocket: the opcode); 0 otherwise.
   */
  frame(conn: C, frame: Buffer, owned: boolean, kind?: number): void;
  /** The connection's output drained after a send returned false; runs before handlers.onDrain. */
  drain?(conn: C): void;
  /**
   * The connection is gone: drop its protocol state. `error` is what onClose
   * would report (undefined for clean reasons); return it, or the protocol's
   * own error for its reasons (`detail`: the native close event's value, HTTP:
   * the status a request was refused with). Runs before handlers.onClose.
   */
  closed?(conn: C, reason: CloseReason, detail: number, error: Error | undefined): Error | undefined;
  /**
   * conn.send(payload) on an open connection: validate (TypeError for a wrong
   * kind, InvalidFrameError for one the framing cannot encode) and queue it
   * with conn._sendFrame; the native encoder adds the framing's header.
   */
  send(conn: C, payload: SendPayload): boolean;
  /** server.broadcast(): the bytes the native encoder frames once for every member. */
  broadcastPayload(payload: SendPayload): Uint8Array;
  /**
   * server.broadcast() of a payload the protocol encodes itself (a goim TCP
   * raw batch: packets written as they are): its wire bytes, shared by every
   * member as they are; undefined for the native encoder's path.
   */
  broadcastWire?(payload: SendPayload): Uint8Array | undefined;
}
