/**
 * A connection's address as the worker reports it at open,
 * "family|remote|rport|local|lport" (TLS servers: more fields after it), kept
 * without the remote port: connections from one client host to one listener
 * (a proxy or load balancer in front, a NAT, a test's loopback) share one
 * string, and each connection keeps only its port, a small integer (idle
 * memory: the string was 56 bytes per connection).
 */
const SEPARATOR = 0x7c; // '|'
const DIGIT_0 = 0x30;
/** Texts kept at most; then the table starts over (bounded: distinct clients do not grow it). */
const MAX_TEXTS = 1024;

export class AddressTexts {
  private readonly texts = new Map<string, string>();
  /** The remote port found by the last shared() call. */
  port = 0;

  /**
   * The address text at data[offset, offset + length) with its remote port
   * field emptied ("family|remote||local|lport"), shared with earlier
   * connections that had the same; the port is left in `this.port`.
   */
  shared(data: Buffer, offset: number, length: number): string {
    const end = offset + length;
    let portStart = -1;
    let portEnd = -1;
    for (let i = offset, seen = 0; i < end; i++) {
      if (data[i] !== SEPARATOR) continue;
      seen++;
      if (seen === 2) portStart = i + 1;
      else if (seen === 3) { portEnd = i; break; }
    }
    if (portEnd < 0) {
      this.port = 0;
      return data.toString('latin1', offset, end);
    }
    let port = 0;
    for (let i = portStart; i < portEnd; i++) port = port * 10 + ((data[i] as number) - DIGIT_0);
    this.port = port;
    const key = data.toString('latin1', offset, portStart) + data.toString('latin1', portEnd, end);
    const known = this.texts.get(key);
    if (known !== undefined) return known;
    if (this.texts.size >= MAX_TEXTS) this.texts.clear();
    this.texts.set(key, key);
    return key;
  }
}
