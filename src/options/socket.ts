/**
 * Socket options: the listener's and every connection's (also settable per
 * connection with conn.setOption), validated into the [id, value] pairs the
 * native layer applies (native/core/socket_options.h).
 */
import { InvalidOptionError } from '../errors';
import { INT32_MAX, bool, int, plainObject, rejectUnknown } from './validate';

export interface KeepAliveOptions {
  /** Seconds of idleness before the first probe (TCP_KEEPIDLE). */
  idle?: number;
  /** Seconds between probes (TCP_KEEPINTVL). */
  interval?: number;
  /** Unanswered probes before the connection is dropped (TCP_KEEPCNT). */
  count?: number;
}

/** Options applied to the listening socket(s). */
export interface ListenerSocketOptions {
  /** listen() backlog. Default 511. */
  backlog?: number;
  /** SO_REUSEADDR. Default true (as Node). */
  reuseAddr?: boolean;
  /** SO_REUSEPORT on the listener (forced on by acceptMode 'reuseport'). */
  reusePort?: boolean;
  /** TCP_DEFER_ACCEPT: seconds to wait for data before accepting. */
  deferAccept?: number;
  /** TCP_FASTOPEN queue length (0 = off). */
  fastOpen?: number;
  /** IPV6_V6ONLY for IPv6 listeners. */
  ipv6Only?: boolean;
}

/** Options applied to every accepted connection (and settable per connection). */
export interface ConnectionSocketOptions {
  noDelay?: boolean;
  quickAck?: boolean;
  cork?: boolean;
  keepAlive?: boolean | KeepAliveOptions;
  /** TCP_USER_TIMEOUT in milliseconds. */
  userTimeout?: number;
  /** SO_LINGER seconds; 0 = close with RST; false = off. */
  linger?: number | false;
  sendBuffer?: number;
  recvBuffer?: number;
  notSentLowat?: number;
  /** SO_BUSY_POLL microseconds. */
  busyPoll?: number;
  tos?: number;
  priority?: number;
}

/** Numeric ids shared with native/core/socket_options.h. */
export const SOCKET_OPTION_IDS = {
  noDelay: 1,
  quickAck: 2,
  cork: 3,
  keepAlive: 4,
  keepAliveIdle: 5,
  keepAliveInterval: 6,
  keepAliveCount: 7,
  userTimeout: 8,
  linger: 9,
  sendBuffer: 10,
  recvBuffer: 11,
  notSentLowat: 12,
  busyPoll: 13,
  tos: 14,
  priority: 15,
  reuseAddr: 16,
  reusePort: 17,
  deferAccept: 18,
  fastOpen: 19,
  ipv6Only: 20,
} as const;

export type SocketOptionName = keyof typeof SOCKET_OPTION_IDS;

/**
 * Validates one connection option and returns the native [id, value] pairs it
 * stands for (keepAlive expands to up to four).
 */
export function connectionOptionPairs(name: string, value: unknown): Array<[number, number]> {
  const ids = SOCKET_OPTION_IDS;
  const opt = `connection.${name}`;
  switch (name) {
    case 'noDelay':
    case 'quickAck':
    case 'cork':
      return [[ids[name], bool(opt, value) ? 1 : 0]];
    case 'keepAlive': {
      if (typeof value === 'boolean') return [[ids.keepAlive, value ? 1 : 0]];
      const k = plainObject(opt, value);
      rejectUnknown(opt, k, ['idle', 'interval', 'count']);
      const pairs: Array<[number, number]> = [[ids.keepAlive, 1]];
      if (k.idle !== undefined) pairs.push([ids.keepAliveIdle, int(`${opt}.idle`, k.idle, 1, 32767)]);
      if (k.interval !== undefined) pairs.push([ids.keepAliveInterval, int(`${opt}.interval`, k.interval, 1, 32767)]);
      if (k.count !== undefined) pairs.push([ids.keepAliveCount, int(`${opt}.count`, k.count, 1, 127)]);
      return pairs;
    }
    case 'linger':
      if (value === false) return [[ids.linger, -1]];
      return [[ids.linger, int(opt, value, 0, 65535)]];
    case 'userTimeout':
    case 'sendBuffer':
    case 'recvBuffer':
    case 'notSentLowat':
    case 'busyPoll':
    case 'priority':
      return [[ids[name], int(opt, value, 0, INT32_MAX)]];
    case 'tos':
      return [[ids.tos, int(opt, value, 0, 255)]];
    default:
      throw new InvalidOptionError(opt, 'unknown option');
  }
}

export function listenerOptionPairs(o: Record<string, unknown>): { backlog: number; pairs: Array<[number, number]> } {
  rejectUnknown('server', o, ['backlog', 'reuseAddr', 'reusePort', 'deferAccept', 'fastOpen', 'ipv6Only']);
  const ids = SOCKET_OPTION_IDS;
  const pairs: Array<[number, number]> = [];
  const backlog = o.backlog === undefined ? 511 : int('server.backlog', o.backlog, 1, 65535);
  if (o.reuseAddr !== undefined) pairs.push([ids.reuseAddr, bool('server.reuseAddr', o.reuseAddr) ? 1 : 0]);
  if (o.reusePort !== undefined) pairs.push([ids.reusePort, bool('server.reusePort', o.reusePort) ? 1 : 0]);
  if (o.deferAccept !== undefined) pairs.push([ids.deferAccept, int('server.deferAccept', o.deferAccept, 0, 3600)]);
  if (o.fastOpen !== undefined) pairs.push([ids.fastOpen, int('server.fastOpen', o.fastOpen, 0, 65535)]);
  if (o.ipv6Only !== undefined) pairs.push([ids.ipv6Only, bool('server.ipv6Only', o.ipv6Only) ? 1 : 0]);
  return { backlog, pairs };
}
