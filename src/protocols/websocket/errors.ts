/** WebSocket errors (each with a Node-style `code`). */
import { RingnetError } from '../../errors';

/**
 * The peer broke RFC 6455 (unmasked frame, reserved opcode or bits, bad
 * fragmentation, invalid UTF-8, a message over maxPayloadLength, an invalid
 * close code): ringnet closed the connection with `closeCode` (1002, 1003,
 * 1007 or 1009). Reported to onClose.
 */
export class WebSocketProtocolError extends RingnetError {
  readonly closeCode: number;
  constructor(closeCode: number, message: string) {
    super('ERR_WS_PROTOCOL', message);
    this.closeCode = closeCode;
  }
}

/** ws.end() sent a close frame and the peer did not answer within closeTimeout: the connection was reset. */
export class WebSocketCloseTimeoutError extends RingnetError {
  constructor(message: string) {
    super('ERR_WS_CLOSE_TIMEOUT', message);
  }
}

/** ws.send()/end()/ping() or upgrade.accept() was given something WebSocket cannot carry. */
export class WebSocketUsageError extends RingnetError {
  constructor(message: string) {
    super('ERR_WS_INVALID', message);
  }
}
