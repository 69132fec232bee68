/**
 * A connection's address as the worker reports it at open,
 * "family|remote|rport|local|lport" (TLS servers: more fields after it), kept
 * small (idle memory, README "Idle memory per connection"):
 *   - an IPv4 client: its address as a 32-bit integer and, beside its port,
 *     the index of the shared "|local|lport..." part; the text is built only
 *     when remoteAddress (or another address field) is read. Clients from
 *     many hosts (no proxy in front) then cost no string each;
 *   - otherwise (IPv6, unix, or the local table full): the text without the
 *     remote port, shared by connections from one host to one listener.
 */
const SEPARATOR = 0x7c; // '|'
const DIGIT_0 = 0x30;
const DOT = 0x2e;
/** Texts kept at most; then the table starts over (bounded: distinct clients do not grow it). */
const MAX_TEXTS = 1024;
/** Local parts kept at most (listeners × local addresses × TLS variants); beyond, the text form. */
const MAX_LOCALS = 1024;
/** The local part's index sits above the 16-bit remote port in the packed port. */
const LOCAL_SHIFT = 16;

/** "|local|lport..." parts, by index: process-wide, only ever appended (an index must stay valid). */
const locals: string[] = [];
const localIndex = new Map<string, number>();

/** The address text of a connection kept as (remote, packedPort) by AddressTexts.shared(). */
export function addressText(remote: string | number, packedPort: number): string {
  if (typeof remote === 'string') return remote;
  return `IPv4|${ipv4Text(remote)}|${locals[packedPort >>> LOCAL_SHIFT] as string}`;
}

/** The remote port of a packed port. */
export function remotePortOf(packedPort: number): number {
  return packedPort & 0xffff;
}

/** Dotted quad of an IPv4 address held as an int32. */
export function ipv4Text(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

export class AddressTexts {
  private readonly texts = new Map<string, string>();
  /** The packed remote port found by the last shared() call (remotePortOf() reads the port). */
  port = 0;

  /**
   * The address at data[offset, offset + length): an int32 (an IPv4 client;
   * `this.port` then also names the local part) or the text with its remote
   * port field emptied ("family|remote||local|lport"), shared with earlier
   * connections that had the same; the port is left in `this.port`.
   */
  shared(data: Buffer, offset: number, length: number): string | number {
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
    const ip = isIpv4Family(data, offset) ? parseIpv4(data, offset + 5, portStart - 1) : -1;
    if (ip >= 0) {
      const rest = data.toString('latin1', portEnd, end);
      let index = localIndex.get(rest);
      if (index === undefined && locals.length < MAX_LOCALS) {
        index = locals.length;
        locals.push(rest);
        localIndex.set(rest, index);
      }
      if (index !== undefined) {
        this.port = port | (index << LOCAL_SHIFT);
        return ip | 0; // an int32: a small integer in the object, no string
      }
    }
    this.port = port;
    const key = data.toString('latin1', offset, portStart) + data.toString('latin1', portEnd, end);
    const known = this.texts.get(key);
    if (known !== undefined) return known;
    if (this.texts.size >= MAX_TEXTS) this.texts.clear();
    this.texts.set(key, key);
    return key;
  }
}

/** "IPv4|" at offset. */
function isIpv4Family(data: Buffer, offset: number): boolean {
  return data[offset] === 0x49 && data[offset + 1] === 0x50 && data[offset + 2] === 0x76 &&
    data[offset + 3] === 0x34 && data[offset + 4] === SEPARATOR;
}

/** A dotted quad at data[from, to) as an unsigned 32-bit number, or -1 when it is not one (kept as text then). */
function parseIpv4(data: Buffer, from: number, to: number): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = from; i <= to; i++) {
    const b = i === to ? DOT : (data[i] as number);
    if (b === DOT) {
      if (digits === 0 || part > 255) return -1;
      value = value * 256 + part;
      parts++;
      part = 0;
      digits = 0;
    } else if (b >= DIGIT_0 && b <= DIGIT_0 + 9 && digits < 3) {
      part = part * 10 + (b - DIGIT_0);
      digits++;
    } else {
      return -1;
    }
  }
  return parts === 4 ? value : -1;
}
