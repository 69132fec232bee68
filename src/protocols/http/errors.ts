/** HTTP's errors: a request ringnet refused, a response used wrongly. */
import { RingnetError } from '../../errors';

const HTTP_PARSE_CODES: Record<number, string> = {
  400: 'ERR_HTTP_BAD_REQUEST',
  413: 'ERR_HTTP_BODY_TOO_LARGE',
  414: 'ERR_HTTP_URI_TOO_LONG',
  431: 'ERR_HTTP_HEADERS_TOO_LARGE',
  501: 'ERR_HTTP_NOT_IMPLEMENTED',
  505: 'ERR_HTTP_VERSION_NOT_SUPPORTED',
};

/**
 * An HTTP client sent a request ringnet refused (malformed or ambiguous: 400,
 * 501, 505; over a limit: 413, 414, 431). The worker answered with `status`
 * and closed the connection (close reason 'bad-frame' or 'frame-too-large').
 */
export class HttpParseError extends RingnetError {
  readonly status: number;
  constructor(status: number, message: string) {
    super(HTTP_PARSE_CODES[status] ?? 'ERR_HTTP_BAD_REQUEST', message);
    this.status = status;
  }
}

/** A response was used wrongly (headers after they were sent, invalid header, write after end, ...). */
export class HttpResponseError extends RingnetError {}
