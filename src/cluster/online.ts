/**
 * Cluster-wide online counts, goim-style: every node publishes its per-room
 * counts every `interval` ms with a time to live; each node keeps the latest
 * snapshot per peer and sums. A dead node's counts vanish when its TTL runs
 * out; a draining node withdraws them at once (an empty snapshot with TTL 0).
 */

export interface OnlineSnapshot {
  node: string;
  ttl: number;              // ms the snapshot stays valid
  total: number;            // connections on the node
  rooms: Record<string, number>;
}

interface Entry {
  snapshot: OnlineSnapshot;
  expires: number;
}

export class OnlineTable {
  private readonly peers = new Map<string, Entry>();

  update(s: OnlineSnapshot, now = Date.now()): void {
    if (s.ttl <= 0) {
      this.peers.delete(s.node);
      return;
    }
    this.peers.set(s.node, { snapshot: s, expires: now + s.ttl });
  }

  /** Sum over live peers (the local node's own count is added by the caller). */
  room(room: string, now = Date.now()): number {
    let n = 0;
    for (const e of this.live(now)) n += e.snapshot.rooms[room] ?? 0;
    return n;
  }

  total(now = Date.now()): number {
    let n = 0;
    for (const e of this.live(now)) n += e.snapshot.total;
    return n;
  }

  nodes(now = Date.now()): string[] {
    return [...this.live(now)].map((e) => e.snapshot.node);
  }

  private *live(now: number): Iterable<Entry> {
    for (const [node, e] of this.peers) {
      if (e.expires <= now) this.peers.delete(node);
      else yield e;
    }
  }
}
