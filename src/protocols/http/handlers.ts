/** The handlers HTTP adds. */
import type { Connection } from '../../connection';
import type { HttpParseError } from './errors';
import type { HttpRequest } from '../http_request';
import type { HttpResponse } from './response';

export interface HttpHandlers<T = unknown> {
  /**
   * framing 'http': one request. Answer with res.end() (or write()...end()),
   * now or later; an async handler's rejection answers 500 and is reported to
   * onError. Pipelined responses leave in request order.
   */
  onRequest?(req: HttpRequest<T>, res: HttpResponse<T>): void | Promise<void>;
  /**
   * framing 'http': a client sent a request ringnet refused (it was answered
   * with err.status and closed). Not reported to onError: it is the client's fault.
   */
  onClientError?(err: HttpParseError, conn: Connection<T>): void;
}
