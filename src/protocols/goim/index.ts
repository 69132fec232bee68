/**
 * goim's protocol on the JS side: packets reach onFrame as GoimFrame objects;
 * with an onAuth handler, the auth gate (native/core/goim/goim_protocol.h lets
 * exactly one packet, the auth, through until JS accepts it).
 */
import type { Connection } from '../../connection';
import { InvalidFrameError, InvalidOptionError } from '../../errors';
import type { ConnectionHandlers } from '../../handlers';
import type { Protocol, SendPayload } from '../../protocol';
import { CMD_PROTOCOL, type CloseReason } from '../../wire';
import type { ProtocolContext, ProtocolHost, ProtocolModule } from '../module';
import { AuthRejectedError, AuthRequiredError } from './errors';
import { packGoimBatch } from './batch';
import { decodeGoimFrame, goimMeta, GOIM_META_BYTES, GOIM_OP, type GoimAuthResult, type GoimFrame } from './frame';
import type { GoimAuthHandler } from './handlers';
import { normalizeGoimFraming, type NormalizedGoimFraming } from './options';

type GoimServerHandlers<T> = ConnectionHandlers<T, GoimFrame> & GoimAuthHandler<T>;

/** native GoimProtocol command: accept the auth (payload: meta + reply body). */
const GOIM_CMD_AUTH_ACCEPT = 1;

/** Scratch for a send's ver/op/seq: copied into the command log at once. */
const META = Buffer.alloc(GOIM_META_BYTES);
/** [int32 protocol op][meta] of an auth acceptance. */
const AUTH_ACCEPT = Buffer.alloc(4 + GOIM_META_BYTES);

class GoimProtocol<T> implements Protocol<Connection<T>> {
  private readonly handlers: GoimServerHandlers<T>;
  private readonly host: ProtocolHost<T>;
  private readonly framing: NormalizedGoimFraming;
  private readonly authGate: boolean;
  /** framing { type: 'goim', transport: 'websocket' } (src/protocols/goim_websocket.ts). */
  private readonly overWebSocket: boolean;

  constructor(ctx: ProtocolContext<T, NormalizedGoimFraming, GoimServerHandlers<T>>) {
    this.handlers = ctx.handlers;
    this.host = ctx.host;
    this.framing = ctx.framing;
    this.authGate = ctx.handlers.onAuth !== undefined;
    this.overWebSocket = (ctx.framing as { goimOverWebSocket?: boolean }).goimOverWebSocket === true;
    if (this.authGate) {
      if (typeof ctx.handlers.onAuth !== 'function') throw new InvalidOptionError('handlers.onAuth', 'must be a function');
      ctx.framing.auth = true;
    }
  }

  frame(conn: Connection<T>, packet: Buffer, _owned?: boolean, kind = 0): void {
    // goim over WebSocket: packets come as binary messages (kind 2); the
    // upgrade request (16) and the peer's close frame (8) are not packets.
    if (kind > 2) return;
    const frame = decodeGoimFrame(packet);
    // Native code lets exactly one packet, an auth, through before acceptance.
    if (this.authGate && !conn.authenticated) {
      this.authenticate(conn, frame);
      return;
    }
    const h = this.handlers.onFrame;
    if (h === undefined) return;
    try {
      h.call(this.handlers, conn, frame);
    } catch (err) {
      this.host.handlerFailed(err, conn);
    }
  }

  closed(conn: Connection<T>, reason: CloseReason, _detail: number, error: Error | undefined): Error | undefined {
    if (reason === 'auth-required') {
      return new AuthRequiredError(`connection ${conn.id}: a packet other than auth arrived before the auth was accepted`);
    }
    if (reason === 'auth-rejected') return new AuthRejectedError(`connection ${conn.id}: onAuth rejected the auth`);
    return error;
  }

  send(conn: Connection<T>, payload: SendPayload): boolean {
    if (Array.isArray(payload)) {
      const wire = this.broadcastWire(payload);
      if (wire !== undefined) return conn.write(wire);
    }
    // ver/op/seq travel in front of the body; the header is written natively.
    const body = this.body(payload, META);
    return conn._sendFrame(body, body.length + this.framing.overhead, META);
  }

  broadcastPayload(payload: SendPayload): Uint8Array {
    const meta = Buffer.allocUnsafe(GOIM_META_BYTES);
    return Buffer.concat([meta, this.body(payload, meta)]);
  }

  /**
   * An array of frames over TCP is goim's raw batch as the Comet writes it to
   * TCP clients: the packets themselves, no op 9 header (already wire bytes).
   * Over WebSocket it is an op 9 packet like any other (see body()).
   */
  broadcastWire(payload: SendPayload): Uint8Array | undefined {
    if (!Array.isArray(payload) || this.overWebSocket) return undefined;
    return packGoimBatch(payload, this.framing);
  }

  private body(payload: SendPayload, meta: Buffer): Buffer {
    const f = this.framing;
    if (Array.isArray(payload)) {
      // goim over WebSocket: one binary message holding one op 9 packet whose body is the packets.
      goimMeta({ op: GOIM_OP.RAW }, f.ver, meta);
      return packGoimBatch(payload, f);
    }
    const body = goimMeta(payload, f.ver, meta);
    if (body.length > f.maxPayload) {
      throw new InvalidFrameError(`goim body of ${body.length} bytes exceeds maxFrameLength (${f.maxFrameLength})`);
    }
    return body;
  }

  private authenticate(conn: Connection<T>, frame: GoimFrame): void {
    const { seq, ver } = frame; // the frame's body dies with the call; these do not
    let result: GoimAuthResult | Promise<GoimAuthResult>;
    try {
      result = (this.handlers.onAuth as NonNullable<GoimAuthHandler<T>['onAuth']>).call(this.handlers, conn, frame);
    } catch (err) {
      this.host.handlerFailed(err, conn);
      return;
    }
    if (result !== null && typeof result === 'object' && typeof (result as Promise<GoimAuthResult>).then === 'function') {
      (result as Promise<GoimAuthResult>).then(
        (v) => this.settleAuth(conn, v, seq, ver),
        (err: unknown) => this.host.handlerFailed(err, conn),
      );
      return;
    }
    this.settleAuth(conn, result as GoimAuthResult, seq, ver);
  }

  private settleAuth(conn: Connection<T>, result: GoimAuthResult, seq: number, ver: number): void {
    if (conn.closed || conn._reason !== undefined) return;
    if (result === true || isReplyBody(result)) {
      try {
        this.acceptAuth(conn, seq, ver, result === true ? undefined : result.body);
      } catch (err) {
        this.host.handlerFailed(err, conn);
      }
      return;
    }
    // false, or anything that is not an acceptance ({} or { ok: true } too): fail closed.
    conn._reason = 'auth-rejected';
    conn.close();
  }

  /** Native code replies op 8 (same seq) and opens the gate. */
  private acceptAuth(conn: Connection<T>, seq: number, ver: number, body: Uint8Array | string | undefined): void {
    const f = this.framing;
    const bytes = goimMeta({ op: GOIM_OP.AUTH_REPLY, seq, ver, body }, f.ver, META);
    if (bytes.length > f.maxPayload) throw new InvalidFrameError(`auth reply body exceeds maxFrameLength (${f.maxFrameLength})`);
    conn._markAuthenticated();
    AUTH_ACCEPT.writeInt32LE(GOIM_CMD_AUTH_ACCEPT, 0);
    META.copy(AUTH_ACCEPT, 4);
    conn._commandParts(CMD_PROTOCOL, AUTH_ACCEPT, bytes);
  }
}

export const GOIM: ProtocolModule<NormalizedGoimFraming, GoimServerHandlers<any>> = {
  types: ['goim'],
  normalize: normalizeGoimFraming,
  exclusiveHandlers: ['onAuth'],
  create: (ctx) => new GoimProtocol(ctx),
};

/** `{ body }` with a string or bytes body: the only object that accepts an auth. */
function isReplyBody(result: unknown): result is { body: Uint8Array | string } {
  if (typeof result !== 'object' || result === null) return false;
  const body = (result as { body?: unknown }).body;
  return typeof body === 'string' || body instanceof Uint8Array;
}
