/**
 * What a protocol module contributes to the server (the registry in
 * ./index.ts lists them, keyed by framing type): its framing types, their
 * option normaliser, the handlers it owns, and the Protocol it runs
 * (src/protocol.ts). Mirrors native makeProtocol() (native/core/protocol.cc).
 */
import type { Connection } from '../connection';
import type { ConnectionHandlers } from '../handlers';
import type { NormalizedFraming, Protocol } from '../protocol';

/** What the server offers a protocol. */
export interface ProtocolHost<T> {
  /** server.close() was called. */
  readonly closing: boolean;
  /**
   * A handler threw or its promise rejected: `conn` (if any) is closed with
   * 'handler-error' and the error goes to onError.
   */
  handlerFailed(err: unknown, conn: Connection<T> | undefined): void;
}

/** The server's limits a protocol that holds output itself (HTTP pipelining) must respect. */
export interface OutputLimits {
  readonly highWaterMark: number;
  readonly maxOutbound: number;
}

export interface ProtocolContext<T, F extends NormalizedFraming, H> {
  readonly framing: F;
  readonly limits: OutputLimits;
  /** The handlers object given to createServer (call them with it as `this`). */
  readonly handlers: H;
  readonly host: ProtocolHost<T>;
}

export interface ProtocolModule<F extends NormalizedFraming = NormalizedFraming, H = unknown> {
  /** framing.type values this module serves, in the order error messages list them. */
  readonly types: readonly string[];
  /**
   * Validates `framing` (an object whose type is one of `types`); throws
   * InvalidOptionError naming the option ('framing.maxFrameLength').
   */
  normalize(framing: Record<string, unknown>): F;
  /** Handlers only this module's framings accept: given with another framing, createServer throws. */
  readonly exclusiveHandlers?: readonly string[];
  /**
   * The protocol of one server, created in createServer(): validates the
   * handlers it needs (InvalidOptionError 'handlers.onRequest') and may
   * complete the framing the native layer receives (goim: the auth gate is on
   * when handlers.onAuth exists).
   */
  create<T>(ctx: ProtocolContext<T, F, H>): Protocol<Connection<T>>;
  /**
   * The handlers the server calls for connection events (onOpen, onDrain,
   * onEnd, onClose, onError with the Connection) when they are not the
   * handlers object itself: a protocol whose handlers take another object
   * (WebSocket: onOpen(ws)) calls them from its own hooks and returns here
   * only what the server should still call. Default: the handlers object.
   */
  connectionHandlers?<T>(handlers: H): ConnectionHandlers<T, unknown>;
}
