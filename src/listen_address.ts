/** listen() options: validated and resolved (host names looked up) into the native address. */
import * as dns from 'node:dns';
import * as net from 'node:net';
import { RingnetError, SystemError } from './errors';

export interface ListenOptions {
  port?: number;
  /** Host name or address. Default: all interfaces ('::' with IPv4 mapped). */
  host?: string;
  /** Unix domain socket path; a leading '\0' makes it an abstract name. */
  path?: string;
}

/** What native listen() takes: kind 0 TCP, 1 Unix path, 2 abstract Unix name. */
export interface NativeAddress {
  kind: number;
  host?: string;
  port?: number;
  path?: string;
}

export async function resolveListenAddress(o: ListenOptions): Promise<NativeAddress> {
  if (typeof o !== 'object' || o === null) throw new RingnetError('ERR_INVALID_OPTION', 'listen(options): options must be an object');
  if (o.path !== undefined) {
    if (typeof o.path !== 'string' || o.path.length === 0) throw new RingnetError('ERR_INVALID_OPTION', 'path must be a non-empty string');
    if (o.path.startsWith('\0')) return { kind: 2, path: o.path.slice(1) };
    return { kind: 1, path: o.path };
  }
  const port = o.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RingnetError('ERR_SOCKET_BAD_PORT', `port must be an integer from 0 to 65535, got ${String(port)}`);
  }
  let host = o.host ?? '';
  if (host !== '' && net.isIP(host) === 0) {
    try {
      host = (await dns.promises.lookup(host)).address;
    } catch (err) {
      throw new SystemError((err as { code?: string }).code ?? 'ENOTFOUND', 0, 'getaddrinfo', `cannot resolve ${host}`, host, port);
    }
  }
  return { kind: 0, host, port };
}
