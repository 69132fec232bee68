// The two record formats that cross the JS boundary. src/wire.ts mirrors every
// number here; change both together.
//
// Events (native -> JS): records of kEventInts int32 in an arena the JS side
// already holds, with frame bytes in the same arena's data area.
// Commands (JS -> native): a byte log of [op, slot, gen, length] int32 headers,
// each followed by `length` payload bytes padded to 4.
#pragma once

#include <cstdint>

namespace ringnet::wire {

constexpr int kEventInts = 6;
enum EventField : int { kType = 0, kSlot = 1, kGen = 2, kOffset = 3, kLength = 4, kAux = 5 };

enum EventType : int32_t {
  kEvOpen = 1,         // offset/length: address text "family|remote|rport|local|lport"
  kEvFrame = 2,        // offset/length: payload in the arena's data area; aux: frame kind (reserved)
  kEvFrameBig = 3,     // offset: index into the batch's big frames; length: payload length
  kEvDrain = 4,        // output queue emptied after a WANT_DRAIN
  kEvEnd = 5,          // peer sent FIN
  kEvClose = 6,        // aux: CloseReason; offset: errno (0 if none), or for a protocol's
                       // closeAfterFlush() its detail (HTTP: the 4xx/5xx status answered)
  kEvServerError = 7,  // slot -1; offset: errno; aux: ServerErrorKind
  kEvWorkerDone = 8,   // worker finished shutting down (server close)
  kEvTlsClientError = 9,  // a TLS handshake failed (the connection never opened): text is the
                          // peer's address as kEvOpen's; aux: CloseReason; offset: OpenSSL error
};

enum CloseReason : int32_t {
  kCloseLocal = 1,          // conn.close() or auto-close after both directions ended
  kClosePeer = 2,           // peer closed (FIN after our side ended, or EPIPE)
  kCloseReset = 3,          // ECONNRESET from the peer
  kCloseError = 4,          // other socket error (offset carries errno)
  kCloseFrameTooLarge = 5,  // ERR_FRAME_TOO_LARGE
  kCloseBadFrame = 6,       // ERR_BAD_FRAME (impossible length field, ...)
  kCloseBackpressure = 7,   // outbound bytes above maxOutbound
  kCloseDestroy = 8,        // conn.destroy(): RST
  kCloseServerClose = 9,    // server.close() closed it gracefully
  kCloseServerTimeout = 10, // server.close() timed out: RST
  kCloseHandlerError = 11,  // a JS handler threw (closed by JS; listed for completeness)
  kCloseRejected = 12,      // over maxConnections (never opened to JS)
  kCloseIdleTimeout = 13,   // no bytes either way for idleTimeout
  kCloseReadTimeout = 14,   // no bytes received for readTimeout
  kCloseHeaderTimeout = 15, // a request's header section took longer than headerTimeout (HTTP)
  kCloseAuthTimeout = 16,   // no accepted auth within authTimeout (goim)
  kCloseHeartbeatTimeout = 17, // goim: nothing received for heartbeatTimeout (the read timeout, named)
  kCloseAuthRequired = 18,  // goim: a frame other than one auth arrived before the auth was accepted
  kCloseAuthRejected = 19,  // goim: onAuth refused (closed by JS; listed for completeness)
  kCloseTlsHandshakeTimeout = 20,  // TLS: the handshake took longer than tls.handshakeTimeout
  kCloseTlsHandshakeFailed = 21,   // TLS: the handshake failed (offset: OpenSSL error)
  kCloseTlsError = 22,      // TLS: a bad record after the handshake (offset: OpenSSL error)
  kCloseTlsAbrupt = 23,     // TLS: the peer closed TCP without close_notify
  kCloseProxyError = 24,    // PROXY protocol listener: bad or missing header; offset: proxy::Error
  kCloseProxyTimeout = 25,  // PROXY protocol listener: no complete header within its timeout
  // WebSocket (websocket/ws_protocol.h); offset carries the close code or status:
  kCloseWsPeer = 26,        // the peer's close frame was answered; offset: its code (1005: none)
  kCloseWsLocal = 27,       // ws.end(): the peer answered our close; offset: our code
  kCloseWsError = 28,       // the peer broke the protocol; offset: the code we closed with (1002, 1003, 1007, 1009)
  kCloseWsCloseTimeout = 29,  // ws.end(): no close from the peer within closeTimeout
  kCloseWsRejected = 30,    // the upgrade was refused; offset: the HTTP status (400, 404, 426, or onUpgrade's)
  kCloseMaxLifetime = 31,  // WebSocket: open for maxLifetime: closed with 1001
  kCloseKtlsFailed = 32,   // TLS: kernel TLS hand-over failed (tls.ktls 'require', or after
                           // OpenSSL let go of the keys); offset: errno (0: see the reason)
};

enum ServerErrorKind : int32_t {
  kErrAccept = 1,       // accept failed (EMFILE/ENFILE/...), reported once per burst
  kErrMaxConnections = 2,
  kErrMaxHandshakes = 3,   // TLS: a worker already had tls.maxHandshakes in progress
};

enum CommandOp : int32_t {
  kCmdSend = 1,        // payload framed by the server's encoder
  kCmdWrite = 2,       // payload written as is
  kCmdEnd = 3,         // shutdown(SHUT_WR) once queued output is flushed
  kCmdClose = 4,       // flush, FIN, then close
  kCmdDestroy = 5,     // RST now, drop queued output
  kCmdPause = 6,
  kCmdResume = 7,
  kCmdWantDrain = 8,   // emit kEvDrain when the output queue is empty
  kCmdProtocol = 9,    // payload: int32 protocol op, then its bytes (Protocol::onCommand)
  kCmdJoin = 10,       // payload: room name; the connection joins the worker's room
  kCmdLeave = 11,      // payload: room name
  kCmdBroadcast = 12,  // native only (Inbox::pushBroadcast): slot -1, payload: uint32 index
                       // into the inbox's broadcasts; keeps broadcasts ordered with commands
  kCmdSendRef = 13,    // payload: uint32 arena, offset, length: a frame of the batch JS holds,
                       // sent (framed) by reference, unchanged or a slice of it; then the
                       // framing's meta bytes if it has them (WebSocket: the opcode)
  kCmdWriteRef = 14,   // the same, written as is (conn.write of an arena view)
  kCmdReleaseArena = 15,  // native only (Inbox::pushRelease): slot = arena JS is done with,
                          // after the commands that may point into it
};

constexpr int kCommandHeaderBytes = 16;

}  // namespace ringnet::wire
