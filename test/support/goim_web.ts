/**
 * goim's JavaScript web client (examples/javascript/client.js in
 * Terry-Mao/goim), its receive side written here from the documented format:
 * binary messages read with a DataView at the same offsets; op 8 is the auth
 * reply, op 3 the heartbeat reply, op 9 a batch whose body is walked packet by
 * packet (offset from the raw header's 16 bytes, stepping by each packet's
 * packLen), anything else one message. Runs over the `ws` npm client with
 * binaryType 'arraybuffer', as a browser's WebSocket delivers it.
 */
import WebSocket from 'ws';
import { goimPacket } from './goim';

const packetOffset = 0;
const headerOffset = 4;
const verOffset = 6;
const opOffset = 8;
const seqOffset = 12;
const rawHeaderLen = 16;

export interface WebMessage {
  ver: number;
  op: number;
  seq: number;
  body: string;
  /** The op of the binary message it arrived in (9 for a batch member). */
  via: number;
}

export class GoimWebClient {
  readonly messages: WebMessage[] = [];
  readonly authReplies: number[] = [];
  heartbeatReplies = 0;
  /** Every binary message as received, for byte checks. */
  readonly raw: Buffer[] = [];
  /** Text messages (goim never sends one). */
  textMessages = 0;
  /** Binary messages received (a batch counts once). */
  binaryMessages = 0;
  closed = false;
  private constructor(readonly ws: WebSocket) {
    const textDecoder = new TextDecoder();
    ws.on('message', (raw: ArrayBuffer, isBinary: boolean) => {
      if (!isBinary) {
        this.textMessages++;
        return;
      }
      this.binaryMessages++;
      this.raw.push(Buffer.from(raw));
      const data = raw;
      const dataView = new DataView(data, 0);
      const packetLen = dataView.getInt32(packetOffset);
      const headerLen = dataView.getInt16(headerOffset);
      const ver = dataView.getInt16(verOffset);
      const op = dataView.getInt32(opOffset);
      const seq = dataView.getInt32(seqOffset);
      switch (op) {
        case 8:
          this.authReplies.push(seq);
          break;
        case 3:
          this.heartbeatReplies++;
          break;
        case 9:
          // batch message: the client's loop, packLen re-read per packet
          for (let offset = rawHeaderLen, len = 0; offset < data.byteLength; offset += len) {
            len = dataView.getInt32(offset);
            const hl = dataView.getInt16(offset + headerOffset);
            const v = dataView.getInt16(offset + verOffset);
            const o = dataView.getInt32(offset + opOffset);
            const s = dataView.getInt32(offset + seqOffset);
            const msgBody = textDecoder.decode(data.slice(offset + hl, offset + len));
            this.messages.push({ ver: v, op: o, seq: s, body: msgBody, via: 9 });
          }
          break;
        default:
          this.messages.push({ ver, op, seq, body: textDecoder.decode(data.slice(headerLen, packetLen)), via: op });
          break;
      }
    });
    ws.on('close', () => (this.closed = true));
  }

  /** Connects to ws://127.0.0.1:port/sub and sends op 7 with goim's JSON auth body. */
  static async open(port: number, room: string, path = '/sub'): Promise<GoimWebClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
    ws.binaryType = 'arraybuffer';
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const c = new GoimWebClient(ws);
    const token = JSON.stringify({ mid: 123, room_id: room, platform: 'web', accepts: [1000, 1001, 1002] });
    ws.send(goimPacket(7, 1, token));
    return c;
  }

  heartbeat(seq: number): void {
    this.ws.send(goimPacket(2, seq));
  }

  close(): void {
    this.ws.terminate();
  }
}
