/** goim's errors (the auth gate's close reasons). */
import { RingnetError } from '../../errors';

/** goim: the client sent a frame other than its auth before the auth was accepted. */
export class AuthRequiredError extends RingnetError {
  constructor(message: string) {
    super('ERR_AUTH_REQUIRED', message);
  }
}

/** goim: onAuth rejected the client's auth; the connection was closed. */
export class AuthRejectedError extends RingnetError {
  constructor(message: string) {
    super('ERR_AUTH_REJECTED', message);
  }
}
