/**
 * The request methods an HTTP server accepts by default: llhttp's registered
 * methods, the list node:http exposes as `http.METHODS` (native mirror:
 * native/core/codec/http_methods.cc). A request with any other method, or a
 * method in other letter case (`get`), is answered 501. Servers that need
 * extension methods pass their own list: `framing: { type: 'http', methods:
 * [...HTTP_METHODS, 'BREW'] }`.
 */
export const HTTP_METHODS: readonly string[] = Object.freeze([
  'DELETE', 'GET', 'HEAD', 'POST', 'PUT', 'CONNECT', 'OPTIONS', 'TRACE', 'COPY', 'LOCK', 'MKCOL', 'MOVE',
  'PROPFIND', 'PROPPATCH', 'SEARCH', 'UNLOCK', 'BIND', 'REBIND', 'UNBIND', 'ACL', 'REPORT', 'MKACTIVITY',
  'CHECKOUT', 'MERGE', 'M-SEARCH', 'NOTIFY', 'SUBSCRIBE', 'UNSUBSCRIBE', 'PATCH', 'PURGE', 'MKCALENDAR',
  'LINK', 'UNLINK', 'SOURCE', 'QUERY',
]);

/** Longest method token (native kHttpMaxMethodLength) and most methods in a table. */
export const MAX_METHOD_LENGTH = 32;
export const MAX_METHODS = 1024;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Checks a `framing.methods` list; returns an error message, or undefined when it is valid. */
export function methodListError(v: unknown): string | undefined {
  if (!Array.isArray(v)) return 'must be an array of method names';
  if (v.length === 0 || v.length > MAX_METHODS) return `must list 1 to ${MAX_METHODS} methods, got ${v.length}`;
  const seen = new Set<string>();
  for (const m of v) {
    if (typeof m !== 'string' || !TOKEN.test(m) || m.length > MAX_METHOD_LENGTH) {
      return `${JSON.stringify(m)} is not a method token (1-${MAX_METHOD_LENGTH} token characters, RFC 9110)`;
    }
    if (seen.has(m)) return `lists ${m} twice`;
    seen.add(m);
  }
  return undefined;
}
