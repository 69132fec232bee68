/**
 * One ringnet node's view of the cluster: which channels it subscribes to
 * (interest-based: a room's channel while it has local members, the channels
 * of users bound here, its own node channel, broadcast-all and online counts;
 * never everything), the bounded publish queue, online counts and stats.
 * Engine-neutral: the broker is a ClusterAdapter.
 *
 * Delivery is at most once: a publish that fails is never retried (it may
 * have gone out), a queued one is dropped (oldest first, counted) rather
 * than kept without bound, and a node skips what it published itself (its
 * own members were served natively first).
 */
import { EventEmitter } from 'node:events';
import type { AdapterState, ClusterAdapter } from './adapter';
import { Kind, decodeEnvelope, encodeEnvelope } from './message';
import { OnlineTable, type OnlineSnapshot } from './online';
import type { NormalizedCluster } from './options';
import { PublishQueue, type Pending } from './queue';

/** What the server does with what arrives from other nodes. */
export interface ClusterHost {
  /** false: the native fan-out refused it (maxPendingBroadcasts waiting); counted in stats().refused. */
  deliverRoom(room: string, wire: Buffer): boolean;
  deliverAll(wire: Buffer): boolean;
  deliverUser(user: string, wire: Buffer): void;
  /** `id` is the connection's local id (the part after the node id). */
  deliverConnection(id: string, wire: Buffer): void;
  /** Local counts for the online snapshot. */
  localOnline(): { total: number; rooms: Record<string, number> };
  localRoomCount(room: string): number;
}

export interface ClusterStats {
  nodeId: string;
  engine: string;
  state: AdapterState;
  /** Publishes the broker took. */
  published: number;
  /** Messages from other nodes handled. */
  received: number;
  /** Publishes dropped by the queue (overflow by messages/bytes, or older than maxAgeMs). */
  dropped: number;
  /** Publishes that failed in flight (the connection broke): not retried, may or may not have gone out. */
  failed: number;
  /** Waiting in the queue now, and their bytes. */
  queued: number;
  queuedBytes: number;
  inFlight: number;
  /** Times the broker came back after being down. */
  reconnects: number;
  /** ms from publish on the origin to handling here: the last message, and the largest seen. */
  lag: number;
  maxLag: number;
  /** Age in ms of the oldest queued publish (0 when none wait). */
  queueAge: number;
  /** Channels subscribed now. */
  subscriptions: number;
  /** Messages that were not ringnet envelopes (ignored). */
  invalid: number;
  /** Room/all messages received that the local native fan-out refused (a worker had maxPendingBroadcasts waiting). */
  refused: number;
}

export type ClusterEventName = 'up' | 'down' | 'resync' | 'error';

export class ClusterNode extends EventEmitter {
  readonly nodeId: string;
  private readonly adapter: ClusterAdapter;
  private readonly queue: PublishQueue;
  private readonly table = new OnlineTable();
  private readonly rooms = new Map<string, number>();   // local members per room
  private readonly users = new Map<string, number>();   // local connections per bound user
  private readonly subscribed = new Set<string>();
  private host: ClusterHost | undefined;
  private inFlight = 0;
  private everUp = false;
  private draining = false;
  private holding = false;   // just reconnected: the queue waits reconnectFlushDelay
  private timer: NodeJS.Timeout | undefined;
  private expiry: NodeJS.Timeout | undefined;
  private counters = { published: 0, received: 0, failed: 0, reconnects: 0, lag: 0, maxLag: 0, invalid: 0, refused: 0 };

  constructor(private readonly o: NormalizedCluster) {
    super();
    this.nodeId = o.nodeId;
    this.adapter = o.adapter;
    this.queue = new PublishQueue(o.queue);
  }

  get state(): AdapterState {
    return this.adapter.state;
  }

  get engine(): string {
    return this.adapter.engine;
  }

  // ------------------------------------------------------------ channels

  private channel(kind: 'room' | 'user' | 'node' | 'all' | 'online', id = ''): string {
    // Names are base64url: any room or user id becomes a valid Redis channel
    // and NATS subject token ('.', '*', '>' and spaces included).
    const tail = kind === 'room' || kind === 'user' ? `:${Buffer.from(id, 'utf8').toString('base64url')}` : kind === 'node' ? `:${id}` : '';
    return `${this.o.prefix}:${kind}${tail}`;
  }

  private sub(ch: string): void {
    if (this.subscribed.has(ch)) return;
    this.subscribed.add(ch);
    void this.adapter.subscribe(ch);
  }

  private unsub(ch: string): void {
    if (!this.subscribed.delete(ch)) return;
    void this.adapter.unsubscribe(ch);
  }

  /** Starts the adapter; resolves when the broker is up or after startTimeout (then it keeps trying). */
  start(host: ClusterHost): Promise<void> {
    this.host = host;
    for (const ch of [this.channel('all'), this.channel('node', this.nodeId), this.channel('online')]) this.sub(ch);
    const ready = new Promise<void>((resolve) => {
      const t = setTimeout(resolve, this.o.startTimeout);
      t.unref();
      this.once('up', () => {
        clearTimeout(t);
        resolve();
      });
    });
    this.adapter.start({
      message: (ch, payload) => this.onMessage(ch, payload),
      up: () => this.onUp(),
      down: (reason) => this.emit('down', { reason }),
      error: (err) => {
        if (this.listenerCount('error') > 0) this.emit('error', err);
      },
    });
    this.timer = setInterval(() => this.publishOnline(), this.o.onlineInterval);
    this.timer.unref();
    // Queued publishes age out even while nothing can be sent.
    this.expiry = setInterval(() => this.queue.expire(), Math.max(50, Math.min(1000, this.o.queue.maxAgeMs / 4)));
    this.expiry.unref();
    return ready;
  }

  private onUp(): void {
    if (this.everUp) {
      this.counters.reconnects++;
      this.emit('up', { reconnect: true });
      // The adapter has resubscribed every channel; peers' counts are re-sent
      // within an interval, ours at once.
      this.emit('resync', { subscriptions: this.subscribed.size });
      // The backlog waits a moment for the other nodes to resubscribe; new
      // publishes queue behind it meanwhile, so order holds.
      this.holding = true;
      setTimeout(() => {
        this.holding = false;
        this.pump();
      }, this.o.reconnectFlushDelay).unref();
    } else {
      this.everUp = true;
      this.emit('up', { reconnect: false });
      this.pump();
    }
    this.publishOnline();
  }

  /** A local connection joined (+1) or left (-1) a room: first join subscribes, last leave unsubscribes. */
  roomDelta(room: string, delta: number): void {
    const n = (this.rooms.get(room) ?? 0) + delta;
    if (n > 0) {
      if (!this.rooms.has(room) && !this.draining) this.sub(this.channel('room', room));
      this.rooms.set(room, n);
    } else {
      this.rooms.delete(room);
      this.unsub(this.channel('room', room));
    }
  }

  userDelta(user: string, delta: number): void {
    const n = (this.users.get(user) ?? 0) + delta;
    if (n > 0) {
      if (!this.users.has(user) && !this.draining) this.sub(this.channel('user', user));
      this.users.set(user, n);
    } else {
      this.users.delete(user);
      this.unsub(this.channel('user', user));
    }
  }

  /** Channels this node listens on now (tests and stats). */
  subscriptions(): string[] {
    return [...this.subscribed];
  }

  // ------------------------------------------------------------ publishing

  publishRoom(room: string, wire: Buffer): void {
    this.publish(this.channel('room', room), encodeEnvelope(Kind.Room, this.nodeId, room, wire));
  }

  publishAll(wire: Buffer): void {
    this.publish(this.channel('all'), encodeEnvelope(Kind.All, this.nodeId, '', wire));
  }

  publishUser(user: string, wire: Buffer): void {
    this.publish(this.channel('user', user), encodeEnvelope(Kind.User, this.nodeId, user, wire));
  }

  publishConnection(node: string, id: string, wire: Buffer): void {
    this.publish(this.channel('node', node), encodeEnvelope(Kind.Connection, this.nodeId, id, wire));
  }

  private publish(channel: string, payload: Buffer): void {
    if (this.draining) return;
    // Straight out only when nothing waits before it: per-channel order holds.
    if (this.adapter.state === 'up' && !this.holding && this.queue.length === 0 && this.inFlight < this.o.maxInFlight) {
      this.send({ channel, payload, at: Date.now() });
    } else {
      this.queue.push(channel, payload);
    }
  }

  private send(p: Pending): void {
    this.inFlight++;
    this.adapter.publish(p.channel, p.payload).then(
      () => {
        this.inFlight--;
        this.counters.published++;
        this.pump();
      },
      () => {
        this.inFlight--;
        this.counters.failed++;
      },
    );
  }

  private pump(): void {
    while (this.adapter.state === 'up' && !this.holding && this.inFlight < this.o.maxInFlight) {
      const p = this.queue.shift();
      if (p === undefined) return;
      this.send(p);
    }
  }

  private publishOnline(ttl = this.o.onlineTtl): void {
    if (this.host === undefined || this.adapter.state !== 'up') return;
    const local = this.host.localOnline();
    const snap: OnlineSnapshot = { node: this.nodeId, ttl, total: local.total, rooms: local.rooms };
    // Not through the queue: a stale snapshot is worth nothing, the next one comes soon.
    this.send({ channel: this.channel('online'), payload: encodeEnvelope(Kind.Online, this.nodeId, '', Buffer.from(JSON.stringify(snap))), at: Date.now() });
  }

  // ------------------------------------------------------------ receiving

  private onMessage(_channel: string, payload: Buffer): void {
    const env = decodeEnvelope(payload);
    if (env === undefined) {
      this.counters.invalid++;
      return;
    }
    if (env.origin === this.nodeId) return;  // served natively when it was published
    const host = this.host;
    if (host === undefined || this.draining) return;
    this.counters.received++;
    const lag = Math.max(0, Date.now() - env.sentAt);
    this.counters.lag = lag;
    if (lag > this.counters.maxLag) this.counters.maxLag = lag;
    switch (env.kind) {
      case Kind.Room:
        if (this.rooms.has(env.target) && !host.deliverRoom(env.target, env.frame)) this.counters.refused++;
        return;
      case Kind.All:
        if (!host.deliverAll(env.frame)) this.counters.refused++;
        return;
      case Kind.User:
        if (this.users.has(env.target)) host.deliverUser(env.target, env.frame);
        return;
      case Kind.Connection:
        host.deliverConnection(env.target, env.frame);
        return;
      case Kind.Online:
        try {
          this.table.update(JSON.parse(env.frame.toString('utf8')) as OnlineSnapshot);
        } catch {
          this.counters.invalid++;
        }
        return;
    }
  }

  // ------------------------------------------------------------ queries

  /** Cluster-wide members of `room`: this node's live count plus every live peer's last snapshot. */
  async online(room: string): Promise<number> {
    return (this.host?.localRoomCount(room) ?? 0) + this.table.room(room);
  }

  /** Cluster-wide connections. */
  async onlineTotal(): Promise<number> {
    return (this.host?.localOnline().total ?? 0) + this.table.total();
  }

  /** Peers whose online snapshot is live. */
  peers(): string[] {
    return this.table.nodes();
  }

  stats(): ClusterStats {
    const c = this.counters;
    return {
      nodeId: this.nodeId,
      engine: this.adapter.engine,
      state: this.adapter.state,
      published: c.published,
      received: c.received,
      dropped: this.queue.dropped,
      failed: c.failed,
      queued: this.queue.length,
      queuedBytes: this.queue.byteLength,
      inFlight: this.inFlight,
      reconnects: c.reconnects,
      lag: c.lag,
      maxLag: c.maxLag,
      queueAge: this.queue.oldestAge(),
      subscriptions: this.subscribed.size,
      invalid: c.invalid,
      refused: c.refused,
    };
  }

  /**
   * Leaves the cluster: withdraws this node's online counts, sends what is
   * queued (for up to `timeoutMs`), unsubscribes and closes the broker
   * connection. Whatever is still queued then is dropped (counted).
   */
  async drain(timeoutMs = 2000): Promise<void> {
    if (this.draining) return;
    this.publishOnline(0);
    this.draining = true;
    if (this.timer) clearInterval(this.timer);
    const until = Date.now() + timeoutMs;
    while ((this.queue.length > 0 || this.inFlight > 0) && this.adapter.state === 'up' && Date.now() < until) {
      this.pump();
      await new Promise((r) => setTimeout(r, 5));
    }
    if (this.expiry) clearInterval(this.expiry);
    this.queue.clear();
    for (const ch of [...this.subscribed]) this.unsub(ch);
    await this.adapter.close();
  }
}
