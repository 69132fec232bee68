/**
 * The Date header's value (RFC 9110 IMF-fixdate), formatted at most once per
 * second: the cache is dropped by an unref'd timer at the next second
 * boundary, so a response costs no clock read (node:http does the same).
 */
let cached: string | undefined;

export function httpDate(): string {
  if (cached !== undefined) return cached;
  const now = Date.now();
  cached = new Date(now).toUTCString();
  setTimeout(expire, 1000 - (now % 1000)).unref();
  return cached;
}

function expire(): void {
  cached = undefined;
}
