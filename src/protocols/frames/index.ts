/**
 * The plain framings' protocol: each decoded frame goes to onFrame as a
 * Buffer; send() takes bytes or text. Native side: the pass-through Protocol
 * base (native/core/protocol.h).
 */
import type { Connection } from '../../connection';
import type { ConnectionHandlers } from '../../handlers';
import type { Protocol, SendPayload } from '../../protocol';
import { bytePayload } from '../bytes';
import type { ProtocolContext, ProtocolHost, ProtocolModule } from '../module';
import { normalizePlainFraming, PLAIN_TYPES, type NormalizedPlainFraming } from './options';

type FrameHandlers<T> = ConnectionHandlers<T, Buffer>;

class FramesProtocol<T> implements Protocol<Connection<T>> {
  private readonly handlers: FrameHandlers<T>;
  private readonly host: ProtocolHost<T>;
  private readonly framing: NormalizedPlainFraming;
  /** fixed framing: every payload is exactly this long (0: any length). */
  private readonly exactLength: number;

  constructor(ctx: ProtocolContext<T, NormalizedPlainFraming, FrameHandlers<T>>) {
    this.handlers = ctx.handlers;
    this.host = ctx.host;
    this.framing = ctx.framing;
    this.exactLength = ctx.framing.name === 'fixed' ? (ctx.framing.frameLength as number) : 0;
  }

  frame(conn: Connection<T>, frame: Buffer): void {
    const h = this.handlers.onFrame;
    if (h === undefined) return;
    try {
      h.call(this.handlers, conn, frame);
    } catch (err) {
      this.host.handlerFailed(err, conn);
    }
  }

  send(conn: Connection<T>, payload: SendPayload): boolean {
    const bytes = bytePayload(this.framing, payload, this.exactLength);
    return conn._sendFrame(bytes, bytes.length + this.framing.overhead);
  }

  broadcastPayload(payload: SendPayload): Uint8Array {
    return bytePayload(this.framing, payload, this.exactLength);
  }
}

export const FRAMES: ProtocolModule<NormalizedPlainFraming, FrameHandlers<any>> = {
  types: PLAIN_TYPES,
  normalize: normalizePlainFraming,
  create: (ctx) => new FramesProtocol(ctx),
};
