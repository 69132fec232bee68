/**
 * The server's side of the cluster: keeps the local facts the cluster needs
 * (room members per room, connections per bound user, connections by id)
 * and turns what other nodes publish into native fan-out. The server calls
 * it from a handful of hooks (open/close, join/leave, bindUser, the push
 * calls); it never re-encodes a frame per member.
 */
import { ClusterNode, type ClusterHost } from './node';
import type { NormalizedCluster } from './options';

/** What the cluster needs of a connection. */
export interface ClusterConnection {
  readonly id: number;
  readonly closed: boolean;
  readonly rooms: string[];
  write(bytes: Uint8Array): boolean;
}

/** What the cluster needs of the server: the native fan-out of wire bytes. */
export interface WireFanOut {
  /** room null = every connection; false: not queued (not listening, or maxPendingBroadcasts). */
  broadcastWire(room: string | null, wire: Buffer): boolean;
}

export class ServerCluster<C extends ClusterConnection> implements ClusterHost {
  readonly node: ClusterNode;
  private readonly byId = new Map<number, C>();
  private readonly users = new Map<string, Set<C>>();
  private readonly userOf = new Map<C, string>();
  private readonly roomCounts = new Map<string, number>();

  constructor(options: NormalizedCluster, private readonly fanOut: WireFanOut) {
    this.node = new ClusterNode(options);
  }

  start(): Promise<void> {
    return this.node.start(this);
  }

  /** `${nodeId}.${conn.id}`: names the node, so any node can push to it. */
  clusterId(c: { id: number }): string {
    return `${this.node.nodeId}.${c.id}`;
  }

  // ------------------------------------------------------------ hooks

  opened(c: C): void {
    this.byId.set(c.id, c);
  }

  /** Before the connection forgets its rooms. */
  closing(c: C): void {
    this.byId.delete(c.id);
    for (const room of c.rooms) this.left(room);
    this.unbind(c);
  }

  joined(room: string): void {
    this.roomCounts.set(room, (this.roomCounts.get(room) ?? 0) + 1);
    this.node.roomDelta(room, 1);
  }

  left(room: string): void {
    const n = (this.roomCounts.get(room) ?? 0) - 1;
    if (n > 0) this.roomCounts.set(room, n);
    else this.roomCounts.delete(room);
    this.node.roomDelta(room, -1);
  }

  bind(c: C, user: string): void {
    if (this.userOf.get(c) === user) return;
    this.unbind(c);
    this.userOf.set(c, user);
    let set = this.users.get(user);
    if (set === undefined) this.users.set(user, (set = new Set()));
    set.add(c);
    this.node.userDelta(user, 1);
  }

  unbind(c: C): void {
    const user = this.userOf.get(c);
    if (user === undefined) return;
    this.userOf.delete(c);
    const set = this.users.get(user);
    set?.delete(c);
    if (set !== undefined && set.size === 0) this.users.delete(user);
    this.node.userDelta(user, -1);
  }

  userOfConnection(c: C): string | undefined {
    return this.userOf.get(c);
  }

  // ------------------------------------------------------------ outgoing (local part already served)

  room(room: string, wire: Buffer): void {
    this.node.publishRoom(room, wire);
  }

  all(wire: Buffer): void {
    this.node.publishAll(wire);
  }

  /** Local connections of the user get it now; the other nodes through the user's channel. */
  user(user: string, wire: Buffer): number {
    const n = this.deliverLocalUser(user, wire);
    this.node.publishUser(user, wire);
    return n;
  }

  /** True when it was delivered locally or published to its node. */
  connection(id: string | number, wire: Buffer): boolean {
    const text = String(id);
    const dot = text.lastIndexOf('.');
    const node = dot < 0 ? this.node.nodeId : text.slice(0, dot);
    const local = dot < 0 ? text : text.slice(dot + 1);
    if (node === this.node.nodeId) return this.deliverLocalConnection(local, wire);
    if (node.length === 0 || local.length === 0) return false;
    this.node.publishConnection(node, local, wire);
    return true;
  }

  // ------------------------------------------------------------ ClusterHost (incoming)

  deliverRoom(room: string, wire: Buffer): boolean {
    return this.fanOut.broadcastWire(room, wire);
  }

  deliverAll(wire: Buffer): boolean {
    return this.fanOut.broadcastWire(null, wire);
  }

  deliverUser(user: string, wire: Buffer): void {
    this.deliverLocalUser(user, wire);
  }

  deliverConnection(id: string, wire: Buffer): void {
    this.deliverLocalConnection(id, wire);
  }

  localOnline(): { total: number; rooms: Record<string, number> } {
    return { total: this.byId.size, rooms: Object.fromEntries(this.roomCounts) };
  }

  localRoomCount(room: string): number {
    return this.roomCounts.get(room) ?? 0;
  }

  private deliverLocalUser(user: string, wire: Buffer): number {
    const set = this.users.get(user);
    if (set === undefined) return 0;
    let n = 0;
    for (const c of set) {
      if (c.closed) continue;
      c.write(wire);  // false only means above highWaterMark: it is queued all the same
      n++;
    }
    return n;
  }

  private deliverLocalConnection(id: string, wire: Buffer): boolean {
    const n = Number(id);
    const c = Number.isInteger(n) ? this.byId.get(n) : undefined;
    if (c === undefined || c.closed) return false;
    c.write(wire);
    return true;
  }
}
