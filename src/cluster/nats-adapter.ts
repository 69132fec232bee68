/**
 * NATS core pub/sub through the official client (@nats-io/transport-node).
 * The client reconnects forever and restores subscriptions itself. ringnet
 * publishes only while connected, so the client's reconnect buffer stays
 * empty and ringnet's bounded queue decides what waits.
 */
import { connect } from '@nats-io/transport-node';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import type { AdapterEvents, AdapterState, ClusterAdapter, NatsAdapterOptions } from './adapter';

export type { NatsAdapterOptions } from './adapter';


export class NatsAdapter implements ClusterAdapter {
  readonly engine = 'nats';
  private nc: NatsConnection | undefined;
  private events: AdapterEvents | undefined;
  private readonly subs = new Map<string, Subscription>();
  private _state: AdapterState = 'connecting';
  private closing = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly options: NatsAdapterOptions) {}

  get state(): AdapterState {
    return this._state;
  }

  start(events: AdapterEvents): void {
    this.events = events;
    void this.open();
  }

  // The first connection is retried here (the client reconnects by itself only
  // once it has been connected).
  private async open(): Promise<void> {
    if (this.closing) return;
    try {
      const nc = await connect({
        servers: this.options.servers,
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: this.options.reconnectDelay ?? 200,
        reconnectJitter: 50,
        pingInterval: this.options.pingInterval ?? 2000,
        maxPingOut: 2,
        timeout: 2000,
      });
      if (this.closing) {
        await nc.close();
        return;
      }
      this.nc = nc;
      for (const ch of this.subs.keys()) this.subs.set(ch, this.subscribeNow(ch));
      void this.watch(nc);
      this._state = 'up';
      this.events?.up();
    } catch (err) {
      if (this._state === 'connecting') {
        this._state = 'down';
        this.events?.down((err as Error).message);
      }
      this.retry = setTimeout(() => void this.open(), this.options.reconnectDelay ?? 200);
    }
  }

  private async watch(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (this.closing) return;
      if (s.type === 'disconnect' && this._state === 'up') {
        this._state = 'down';
        this.events?.down(`disconnected from ${s.server}`);
      } else if (s.type === 'reconnect') {
        // A reconnect is a new server session even when its disconnect was
        // not reported first (the status stream does not promise one): always
        // go down then up, so the node resyncs.
        if (this._state === 'up') this.events?.down(`reconnected to ${s.server}`);
        this._state = 'up';
        this.events?.up();
      } else if (s.type === 'slowConsumer') {
        this.events?.error(new Error(`nats: slow consumer on ${s.sub.getSubject()} (${s.pending} pending)`));
      } else if (s.type === 'error') {
        this.events?.error(s.error);
      }
    }
  }

  private subscribeNow(channel: string): Subscription {
    const nc = this.nc as NatsConnection;
    return nc.subscribe(channel, {
      callback: (err, msg) => {
        if (err === null) this.events?.message(channel, Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength));
      },
    });
  }

  async publish(channel: string, payload: Buffer): Promise<void> {
    if (this.nc === undefined || this._state !== 'up') throw new Error('nats: not connected');
    this.nc.publish(channel, payload);
  }

  async subscribe(channel: string): Promise<void> {
    if (this.subs.has(channel)) return;
    this.subs.set(channel, this.nc !== undefined ? this.subscribeNow(channel) : (undefined as unknown as Subscription));
  }

  async unsubscribe(channel: string): Promise<void> {
    const s = this.subs.get(channel);
    this.subs.delete(channel);
    s?.unsubscribe();
  }

  async close(): Promise<void> {
    this.closing = true;
    this._state = 'closed';
    if (this.retry) clearTimeout(this.retry);
    if (this.nc !== undefined) await this.nc.drain().catch(() => this.nc?.close());
  }
}
