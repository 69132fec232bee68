/**
 * The error onClose reports for a close reason the server itself knows
 * (protocols add theirs in Protocol.closed); undefined for clean reasons.
 */
import type { Connection } from './connection';
import { BackpressureError, BadFrameError, ConnectionTimeoutError, FrameTooLargeError, SystemError, type TimeoutKind } from './errors';
import { native } from './native';
import { proxyCloseError } from './proxy';
import { tlsCloseError } from './tls_events';
import type { CloseReason } from './wire';

export function closeError<T>(reason: CloseReason, errno: number, c: Connection<T>): Error | undefined {
  switch (reason) {
    case 'frame-too-large':
      return new FrameTooLargeError(`connection ${c.id}: frame exceeds maxFrameLength`);
    case 'bad-frame':
      return new BadFrameError(`connection ${c.id}: malformed frame`);
    case 'backpressure':
      return new BackpressureError(c._submitted - (c._w.written[c._slot] as number), c._w.server._options.maxOutbound);
    case 'proxy-error':
      return proxyCloseError(errno, c.id);
    case 'reset':
    case 'error':
      if (errno > 0) {
        const code = native.errnoName(errno);
        return new SystemError(code, -errno, 'read', `connection ${c.id}: ${code}`);
      }
      return reason === 'reset' ? new SystemError('ECONNRESET', -104, 'read', `connection ${c.id}: ECONNRESET`) : undefined;
    case 'tls-error':
    case 'tls-abrupt':
    case 'ktls-failed':
      return tlsCloseError(reason, errno, c.id);
    case 'idle-timeout':
    case 'read-timeout':
    case 'header-timeout':
    case 'auth-timeout':
    case 'heartbeat-timeout':
    case 'proxy-timeout': {
      const kind = reason.slice(0, reason.indexOf('-')) as TimeoutKind;
      return new ConnectionTimeoutError(kind, `connection ${c.id}: ${reason}`);
    }
    default:
      return undefined;
  }
}
