/**
 * The bounded queue of publishes waiting for the broker (down, or more in
 * flight than allowed). It is the only buffer between ringnet and the broker
 * (node-redis runs with its offline queue off): over maxMessages or maxBytes
 * the oldest entries are dropped, and entries older than maxAgeMs are dropped
 * when they come up for sending. Every drop is counted.
 */

export interface QueueLimits {
  maxMessages: number;
  maxBytes: number;
  maxAgeMs: number;
}

export interface Pending {
  channel: string;
  payload: Buffer;
  at: number;
}

export class PublishQueue {
  private items: Pending[] = [];
  private head = 0;
  private bytes = 0;
  dropped = 0;

  constructor(private readonly limits: QueueLimits) {}

  get length(): number {
    return this.items.length - this.head;
  }

  get byteLength(): number {
    return this.bytes;
  }

  /** Age in ms of the oldest waiting entry (0 when empty). */
  oldestAge(now = Date.now()): number {
    const first = this.items[this.head];
    return first === undefined ? 0 : now - first.at;
  }

  push(channel: string, payload: Buffer, now = Date.now()): void {
    if (payload.length > this.limits.maxBytes || this.limits.maxMessages === 0) {
      this.dropped++;
      return;
    }
    this.items.push({ channel, payload, at: now });
    this.bytes += payload.length;
    while (this.length > this.limits.maxMessages || this.bytes > this.limits.maxBytes) this.dropOldest();
  }

  /** The next entry young enough to send, or undefined; expired ones are dropped on the way. */
  shift(now = Date.now()): Pending | undefined {
    while (this.length > 0) {
      const p = this.take();
      if (now - p.at <= this.limits.maxAgeMs) return p;
      this.dropped++;
    }
    return undefined;
  }

  /** Drops what has waited longer than maxAgeMs (called on a timer while the broker is down). */
  expire(now = Date.now()): void {
    while (this.length > 0 && now - (this.items[this.head] as Pending).at > this.limits.maxAgeMs) this.dropOldest();
  }

  clear(): number {
    const n = this.length;
    this.dropped += n;
    this.items = [];
    this.head = 0;
    this.bytes = 0;
    return n;
  }

  private dropOldest(): void {
    this.take();
    this.dropped++;
  }

  private take(): Pending {
    const p = this.items[this.head] as Pending;
    this.items[this.head++] = undefined as unknown as Pending;
    this.bytes -= p.payload.length;
    // Compact once the consumed prefix dominates, so memory follows the live size.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return p;
  }
}
