/**
 * Redis pub/sub through node-redis (`redis` on npm). Two connections: one
 * publishes, one subscribes (a subscribed Redis connection takes no other
 * commands). The offline queue is off on both, so a publish while Redis is
 * away fails at once and ringnet's bounded queue decides what waits. node-redis
 * reconnects by itself and re-issues SUBSCRIBE for every channel it holds.
 */
import { createClient } from 'redis';
import type { AdapterEvents, AdapterState, ClusterAdapter, RedisAdapterOptions } from './adapter';

export type { RedisAdapterOptions } from './adapter';


type Client = ReturnType<typeof createClient>;

export class RedisAdapter implements ClusterAdapter {
  readonly engine = 'redis';
  private pub: Client | undefined;
  private sub: Client | undefined;
  private events: AdapterEvents | undefined;
  // One listener per channel, kept: node-redis stores listeners in a Set, so
  // subscribing again with the same function never doubles deliveries.
  private readonly channels = new Map<string, (message: Buffer) => void>();
  private pubReady = false;
  private subReady = false;
  private _state: AdapterState = 'connecting';
  private closing = false;

  constructor(private readonly options: RedisAdapterOptions) {}

  get state(): AdapterState {
    return this._state;
  }

  start(events: AdapterEvents): void {
    this.events = events;
    const delay = this.options.reconnectDelay ?? 200;
    const socket = {
      connectTimeout: this.options.connectTimeout ?? 2000,
      reconnectStrategy: (retries: number) => Math.min(delay * (1 + retries), delay * 5),
      ...(this.options.socketPath !== undefined ? { path: this.options.socketPath } : {}),
    };
    const base = {
      ...(this.options.url !== undefined && this.options.socketPath === undefined ? { url: this.options.url } : {}),
      disableOfflineQueue: true,
      socket,
    };
    this.pub = createClient(base);
    this.sub = createClient(base);
    this.watch(this.pub, (ok) => (this.pubReady = ok));
    this.watch(this.sub, (ok) => {
      this.subReady = ok;
      // node-redis restores subscriptions it had confirmed; one refused while
      // down (offline queue off) was never recorded: (re)subscribe them all.
      if (ok) for (const [ch, fn] of this.channels) void this.sub?.subscribe(ch, fn, true).catch(() => undefined);
    });
    // connect() rejects if the first attempt fails but the client keeps
    // retrying with reconnectStrategy; state follows the events.
    this.pub.connect().catch(() => undefined);
    this.sub.connect().catch(() => undefined);
  }

  private watch(c: Client, set: (ok: boolean) => void): void {
    c.on('ready', () => {
      set(true);
      this.update('');
    });
    c.on('error', (err: Error) => {
      // node-redis emits 'error' for every failed socket or attempt; state
      // changes are what matter, the first error of an outage says why.
      const was = this._state;
      set(false);
      this.update(err.message);
      if (was !== 'up') return;
      this.events?.error(err);
    });
    // A socket closed by Redis (e.g. client-output-buffer-limit) may show up
    // as 'reconnecting' without an 'error': it is an outage all the same.
    c.on('reconnecting', () => {
      set(false);
      this.update('connection lost, reconnecting');
    });
    c.on('end', () => {
      set(false);
      this.update('connection closed');
    });
  }

  private update(reason: string): void {
    if (this.closing) return;
    const up = this.pubReady && this.subReady;
    if (up && this._state !== 'up') {
      this._state = 'up';
      this.events?.up();
    } else if (!up && this._state === 'up') {
      this._state = 'down';
      this.events?.down(reason || 'connection lost');
    } else if (!up && this._state === 'connecting' && reason) {
      this._state = 'down';
      this.events?.down(reason);
    }
  }

  async publish(channel: string, payload: Buffer): Promise<void> {
    if (this.pub === undefined || this._state !== 'up') throw new Error('redis: not connected');
    await this.pub.publish(channel, payload);
  }

  async subscribe(channel: string): Promise<void> {
    if (this.channels.has(channel)) return;
    const fn = (message: Buffer) => this.events?.message(channel, message);
    this.channels.set(channel, fn);
    // Buffers in and out. Refused while down: subscribed again on 'ready'.
    if (this.subReady && this.sub !== undefined) await this.sub.subscribe(channel, fn, true).catch(() => undefined);
  }

  async unsubscribe(channel: string): Promise<void> {
    const fn = this.channels.get(channel);
    if (fn === undefined || !this.channels.delete(channel) || this.sub === undefined) return;
    if (this.subReady) await this.sub.unsubscribe(channel, fn, true).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closing = true;
    this._state = 'closed';
    await Promise.all([this.pub, this.sub].map((c) => (c?.isOpen ? c.close().catch(() => c.destroy()) : c?.destroy())));
  }
}
