/**
 * The one interface a broker engine implements for ringnet's cluster layer:
 * plain pub/sub over channels, at most once, in publish order per publisher.
 * Everything else (what to subscribe to, queueing, counts) lives in
 * ClusterNode, so an engine is only this file's contract.
 */

export type AdapterState = 'connecting' | 'up' | 'down' | 'closed';

export interface AdapterEvents {
  /** A message on a subscribed channel (the bytes as published). */
  message(channel: string, payload: Buffer): void;
  /** The connection came up (first time or after an outage); subscriptions are in place again. */
  up(): void;
  /** The connection is gone; `reason` says why (a slow-subscriber disconnect shows up here too). */
  down(reason: string): void;
  /** A client-level error worth surfacing (never fatal). */
  error(err: Error): void;
}

export interface ClusterAdapter {
  /** 'redis', 'nats', ... */
  readonly engine: string;
  readonly state: AdapterState;
  /** Starts connecting (and keeps reconnecting until close()); events go to `events`. */
  start(events: AdapterEvents): void;
  /**
   * Publishes now. Resolves once the broker took it; rejects when it did not
   * (down, or the connection broke with it in flight: then it may or may not
   * have gone out, and is never retried). Only called while state is 'up'.
   */
  publish(channel: string, payload: Buffer): Promise<void>;
  /** Idempotent; kept across reconnects by the adapter. */
  subscribe(channel: string): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  close(): Promise<void>;
}

/** cluster: { redis: {...} } (src/cluster/redis-adapter.ts). Here so that options need no broker client's types. */
export interface RedisAdapterOptions {
  /** redis://host:port; for a Unix socket give `socketPath` instead. */
  url?: string;
  socketPath?: string;
  /** ms between reconnect attempts (capped backoff). Default 200. */
  reconnectDelay?: number;
  /** ms to wait for a connection before the attempt fails. Default 2000. */
  connectTimeout?: number;
}

/** cluster: { nats: {...} } (src/cluster/nats-adapter.ts). */
export interface NatsAdapterOptions {
  /** nats://host:port (one or several). */
  servers: string | string[];
  reconnectDelay?: number;   // ms between reconnect attempts, default 200
  pingInterval?: number;     // ms, default 2000: a dead server is noticed within ~2 pings
}
