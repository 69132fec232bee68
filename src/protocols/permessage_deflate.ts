/**
 * permessage-deflate options (RFC 7692), shared by every protocol that can speak WebSocket
 * (websocket framing, goim over WebSocket): one type in one place keeps protocol modules apart.
 */

/** perMessageDeflate as an object. */
export interface PerMessageDeflateOptions {
  /**
   * 'shared' (default): one deflate stream per worker (no context takeover), as uWebSockets.js's
   * SHARED_COMPRESSOR. 'dedicated': each connection its own stream with context takeover (each
   * message may refer back to the connection's earlier ones), as DEDICATED_COMPRESSOR; it costs
   * the connection zlib's deflate state, (1 << (serverMaxWindowBits + 2)) + (1 << (memLevel + 9))
   * bytes + ~6 KB: 26,432 B at the defaults (window 12, memLevel 3), 268,096 at 15 and 8; at most
   * `maxDedicated` per worker. false: never compress what the server sends (it still inflates the
   * client's).
   */
  compress?: 'shared' | 'dedicated' | false;
  /** Messages shorter than this many bytes go uncompressed. Default 1024 (ws's default), 0 to 2^30. */
  threshold?: number;
  /**
   * The largest LZ77 window the server compresses with, as 2^bits bytes (9..15): announced as
   * server_max_window_bits when below 15, and lowered to a client's smaller server_max_window_bits.
   * Default 15 with 'shared' (one stream per worker), 12 with 'dedicated' (per connection).
   */
  serverMaxWindowBits?: number;
  /**
   * The largest window clients may compress with (8..15), answered as client_max_window_bits to
   * clients that offered that parameter; an offer without it is declined (RFC 7692 7.1.2.2 lets the
   * server ask only clients that offered it), as the `ws` library does. Default 15: any window.
   */
  clientMaxWindowBits?: number;
  /** 'dedicated': zlib's memLevel of each connection's stream (1..9; memory above). Default 3. */
  memLevel?: number;
  /**
   * 'dedicated': at most this many dedicated compressors per worker (0..1,000,000). Connections
   * beyond it get the shared compressor (negotiated with server_no_context_takeover), so memory
   * stays bounded: maxDedicated × the stream's size per worker. Default 1024 (27 MB per worker at
   * the defaults).
   */
  maxDedicated?: number;
}
