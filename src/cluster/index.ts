/** The cluster layer: nodes share rooms, pushes and online counts through a broker. */
export type { AdapterEvents, AdapterState, ClusterAdapter } from './adapter';
export { ClusterNode, type ClusterHost, type ClusterStats, type ClusterEventName } from './node';
export { normalizeCluster, type ClusterOptions, type NormalizedCluster } from './options';
export { RedisAdapter, type RedisAdapterOptions } from './redis-adapter';
export { NatsAdapter, type NatsAdapterOptions } from './nats-adapter';
export type { QueueLimits } from './queue';
