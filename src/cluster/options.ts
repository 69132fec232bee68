/** `createServer({ cluster })`: validation and defaults. */
import * as os from 'node:os';
import { randomBytes } from 'node:crypto';
import { InvalidOptionError } from '../errors';
import type { ClusterAdapter, NatsAdapterOptions, RedisAdapterOptions } from './adapter';
import type { QueueLimits } from './queue';

export interface ClusterOptions {
  /** Redis pub/sub (the default engine): a URL or node-redis-style options. */
  redis?: string | RedisAdapterOptions;
  /** NATS core pub/sub: server URL(s) or options. */
  nats?: string | string[] | NatsAdapterOptions;
  /** Any other broker: an object implementing ClusterAdapter. */
  adapter?: ClusterAdapter;
  /** Channel name prefix, so several clusters can share a broker. Default 'ringnet'. */
  prefix?: string;
  /** This node's id ([A-Za-z0-9_-], at most 64). Default: host name, pid and random bytes. */
  nodeId?: string;
  /** Bounds of the queue of publishes waiting for the broker. */
  queue?: Partial<QueueLimits>;
  /** Publishes sent and not yet acknowledged (a slow broker fills the queue beyond it). Default 1024. */
  maxInFlight?: number;
  /** ms between online-count snapshots (goim: 10 s). Default 10000. */
  onlineInterval?: number;
  /** ms a snapshot stays valid; a node silent for longer drops out. Default 3 x onlineInterval. */
  onlineTtl?: number;
  /** ms listen() waits for the broker before going on without it (state 'down'). Default 5000. */
  startTimeout?: number;
  /**
   * ms to hold the queue after a reconnect before sending it, so that the
   * other nodes (reconnecting too) have resubscribed and pub/sub, which only
   * delivers to current subscribers, does not lose the backlog. Default 250.
   */
  reconnectFlushDelay?: number;
}

export interface NormalizedCluster {
  adapter: ClusterAdapter;
  prefix: string;
  nodeId: string;
  queue: QueueLimits;
  maxInFlight: number;
  onlineInterval: number;
  onlineTtl: number;
  startTimeout: number;
  reconnectFlushDelay: number;
}

const KNOWN = ['redis', 'nats', 'adapter', 'prefix', 'nodeId', 'queue', 'maxInFlight', 'onlineInterval', 'onlineTtl', 'startTimeout', 'reconnectFlushDelay'];
const ID = /^[A-Za-z0-9_-]{1,64}$/;

function int(name: string, v: unknown, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new InvalidOptionError(`cluster.${name}`, `must be an integer >= ${min}, got ${String(v)}`);
  }
  return v;
}

export function normalizeCluster(o: ClusterOptions): NormalizedCluster {
  if (typeof o !== 'object' || o === null) throw new InvalidOptionError('cluster', 'must be an object');
  for (const k of Object.keys(o)) if (!KNOWN.includes(k)) throw new InvalidOptionError(`cluster.${k}`, 'unknown option');
  const engines = [o.redis, o.nats, o.adapter].filter((x) => x !== undefined).length;
  if (engines !== 1) throw new InvalidOptionError('cluster', 'give exactly one of redis, nats or adapter');
  let adapter: ClusterAdapter;
  if (o.adapter !== undefined) {
    const a = o.adapter as Partial<ClusterAdapter>;
    for (const m of ['start', 'publish', 'subscribe', 'unsubscribe', 'close'] as const) {
      if (typeof a[m] !== 'function') throw new InvalidOptionError('cluster.adapter', `must implement ${m}()`);
    }
    adapter = o.adapter;
  } else if (o.redis !== undefined) {
    // Loaded on demand: a server without a cluster never loads a broker client.
    // (Typed here, not with typeof import(): the broker clients' types stay out of users' builds.)
    const { RedisAdapter } = require('./redis-adapter') as { RedisAdapter: new (o: RedisAdapterOptions) => ClusterAdapter };
    adapter = new RedisAdapter(typeof o.redis === 'string' ? { url: o.redis } : o.redis);
  } else {
    const { NatsAdapter } = require('./nats-adapter') as { NatsAdapter: new (o: NatsAdapterOptions) => ClusterAdapter };
    const n = o.nats as string | string[] | NatsAdapterOptions;
    adapter = new NatsAdapter(typeof n === 'string' || Array.isArray(n) ? { servers: n } : n);
  }
  const prefix = o.prefix ?? 'ringnet';
  if (typeof prefix !== 'string' || !ID.test(prefix)) throw new InvalidOptionError('cluster.prefix', 'must match [A-Za-z0-9_-]{1,64}');
  const host = os.hostname().replace(/[^A-Za-z0-9_-]/g, '').slice(0, 32) || 'node';
  const nodeId = o.nodeId ?? `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
  if (typeof nodeId !== 'string' || !ID.test(nodeId)) throw new InvalidOptionError('cluster.nodeId', 'must match [A-Za-z0-9_-]{1,64}');
  const q = o.queue ?? {};
  const onlineInterval = int('onlineInterval', o.onlineInterval, 10_000, 10);
  return {
    adapter,
    prefix,
    nodeId,
    queue: {
      maxMessages: int('queue.maxMessages', q.maxMessages, 10_000, 0),
      maxBytes: int('queue.maxBytes', q.maxBytes, 16 << 20, 0),
      maxAgeMs: int('queue.maxAgeMs', q.maxAgeMs, 10_000, 0),
    },
    maxInFlight: int('maxInFlight', o.maxInFlight, 1024, 1),
    onlineInterval,
    onlineTtl: int('onlineTtl', o.onlineTtl, 3 * onlineInterval, 1),
    startTimeout: int('startTimeout', o.startTimeout, 5000, 0),
    reconnectFlushDelay: int('reconnectFlushDelay', o.reconnectFlushDelay, 250, 0),
  };
}
