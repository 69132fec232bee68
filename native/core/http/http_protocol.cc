#include "http_protocol.h"

#include <cstring>
#include <string>
#include <vector>

#include "../wire.h"
#include "http_record.h"

namespace ringnet {

namespace {

using namespace http;

// Connection::protoFlags:
//   bits 0-15   requests delivered to JS whose response has not ended
//   bits 16-23  the CodecError to answer once those responses are out
//   bit  24     the input was rejected: nothing more is decoded
//   bit  25     a request asked to close: later requests are ignored
//   bit  26     100 Continue was sent for the request being received
//   bit  27     server.close() began while responses were owed: close once
//               they are out (bit 25 is set too: nothing new is read)
constexpr uint32_t kOutstandingMask = 0xffff;
constexpr int kErrorShift = 16;
constexpr uint32_t kErrorMask = 0xffu << kErrorShift;
constexpr uint32_t kFailed = 1u << 24;
constexpr uint32_t kNoMore = 1u << 25;
constexpr uint32_t kContinueSent = 1u << 26;
constexpr uint32_t kServerClosing = 1u << 27;

uint32_t outstanding(const Connection& c) { return c.protoFlags & kOutstandingMask; }

const char* reasonPhrase(int status) {
  switch (status) {
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
    default: return "Bad Request";
  }
}

constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr char kRequestTimeout[] = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";

// Per-thread scratch for building records (a reactor runs on one thread).
struct Scratch {
  std::vector<uint8_t> bytes;
  std::vector<int32_t> index;
  bool keepAlive = true;  // of the record built last, for onDelivered
};
thread_local Scratch t_scratch;

void collectHeader(void* ctx, size_t nameOffset, size_t nameLength, size_t valueOffset, size_t valueLength) {
  auto* index = static_cast<std::vector<int32_t>*>(ctx);
  index->push_back(static_cast<int32_t>(nameOffset));
  index->push_back(static_cast<int32_t>(nameLength));
  index->push_back(static_cast<int32_t>(valueOffset));
  index->push_back(static_cast<int32_t>(valueLength));
}

class HttpProtocol final : public Protocol {
 public:
  explicit HttpProtocol(const HttpFraming& limits) : limits_(limits) {}

  void onOpen(ConnectionControl& ctl, Connection& c) override {
    // The first request's head must arrive within headerTimeout of connecting.
    if (limits_.headerTimeoutMs != 0) ctl.armDeadline(c, limits_.headerTimeoutMs, wire::kCloseHeaderTimeout);
  }

  void afterInput(ConnectionControl& ctl, Connection& c, size_t pending) override {
    // Rejected, or closing after a response: no 100 Continue, no new timeouts.
    if (c.protoFlags & (kFailed | kNoMore)) return;
    if (outstanding(c) == 0) maybeContinue(ctl, c);
    updateTimers(ctl, c, pending);
  }

  FrameVerdict onFrame(ConnectionControl&, Connection& c, const uint8_t*, const DecodeResult&,
                       int32_t*) override {
    // After a request that closes the connection, the rest is not served.
    return (c.protoFlags & (kNoMore | kFailed)) ? FrameVerdict::kConsumed : FrameVerdict::kDeliver;
  }

  FrameBytes frameForJs(Connection&, const uint8_t* data, const DecodeResult& r) override {
    return buildRecord(data, r.consumed);
  }

  void onDelivered(ConnectionControl&, Connection& c) override {
    uint32_t n = outstanding(c);
    if (n < kOutstandingMask) ++n;  // JS pauses the connection long before this
    c.protoFlags = (c.protoFlags & ~(kOutstandingMask | kContinueSent)) | n;
    if (!t_scratch.keepAlive) c.protoFlags |= kNoMore;
  }

  bool onDecodeError(ConnectionControl& ctl, Connection& c, const DecodeResult& r) override {
    if (c.protoFlags & (kFailed | kNoMore)) {
      c.protoFlags |= kFailed;  // a closing connection's response closes it; the rest is ignored
      return true;
    }
    c.protoFlags |= kFailed | (static_cast<uint32_t>(r.error) << kErrorShift);
    if (outstanding(c) == 0) {
      answerError(ctl, c);
    } else {
      ctl.clearDeadline(c);  // the error waits for the handlers' responses
    }
    return true;
  }

  void onTimeout(ConnectionControl& ctl, Connection& c, int32_t reason) override {
    // A head that did not arrive in time is answered 408 (as nginx and
    // node:http do) when no response is owed: one owed would come first and a
    // 408 after it would answer nothing. Then the connection closes.
    if (reason != wire::kCloseHeaderTimeout || outstanding(c) != 0 || (c.protoFlags & (kFailed | kNoMore))) return;
    c.protoFlags |= kNoMore;
    ctl.reply(c, reinterpret_cast<const uint8_t*>(kRequestTimeout), sizeof kRequestTimeout - 1);
  }

  bool holdsOpenOnServerClose(ConnectionControl& ctl, Connection& c) override {
    if (outstanding(c) == 0) return false;
    // Like node:http: the requests already delivered get their responses;
    // nothing after them is served. The server close timeout bounds the wait,
    // so no header/body timeout of a half-received request may cut it short.
    c.protoFlags |= kNoMore | kServerClosing;
    ctl.clearDeadline(c);
    return true;
  }

  void onCommand(ConnectionControl& ctl, Connection& c, int32_t op, const uint8_t* payload,
                 size_t len) override {
    ctl.reply(c, payload, len);
    if (op == kOpWrite) return;
    if (outstanding(c) > 0) c.protoFlags -= 1;
    if (op == kOpEndClose) {
      c.protoFlags |= kNoMore;
      ctl.closeAfterFlush(c, wire::kCloseLocal, 0);
      return;
    }
    if (outstanding(c) != 0) return;
    if (c.protoFlags & kErrorMask) {
      answerError(ctl, c);
      return;
    }
    if (c.protoFlags & kServerClosing) {
      // server.close() waited for these responses: the last one is out.
      ctl.closeAfterFlush(c, wire::kCloseServerClose, 0);
      return;
    }
    if (c.protoFlags & (kFailed | kNoMore)) return;
    maybeContinue(ctl, c);
    updateTimers(ctl, c, c.tail.size());
  }

 private:
  void answerError(ConnectionControl& ctl, Connection& c) {
    const auto error = static_cast<CodecError>((c.protoFlags & kErrorMask) >> kErrorShift);
    c.protoFlags &= ~kErrorMask;
    const int status = httpErrorStatus(error);
    std::string reply = "HTTP/1.1 " + std::to_string(status) + " " + reasonPhrase(status) +
                        "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
    ctl.reply(c, reinterpret_cast<const uint8_t*>(reply.data()), reply.size());
    const bool tooLarge = status == 413 || status == 414 || status == 431;
    const int32_t reason = tooLarge ? wire::kCloseFrameTooLarge : wire::kCloseBadFrame;
    // A client that never reads the answer is reset when this passes.
    ctl.armDeadline(c, limits_.headerTimeoutMs != 0 ? limits_.headerTimeoutMs : 10000, reason);
    ctl.closeAfterFlush(c, reason, status);
  }

  void maybeContinue(ConnectionControl& ctl, Connection& c) {
    if ((c.protoFlags & kContinueSent) || !httpAwaitsContinue(c.decoder)) return;
    c.protoFlags |= kContinueSent;
    ctl.reply(c, reinterpret_cast<const uint8_t*>(kContinue), sizeof kContinue - 1);
  }

  // Header timeout while a head is arriving (from its first byte); body
  // timeout while a body arrives (from the last read: a stalled upload);
  // keep-alive timeout while nothing is owed either way; none while handlers
  // work or a client waits for its 100 Continue.
  void updateTimers(ConnectionControl& ctl, Connection& c, size_t pending) {
    const HttpPhase phase = httpPhase(c.decoder);
    if (phase == HttpPhase::kHead && pending > 0) {
      if (c.deadlineReason != wire::kCloseHeaderTimeout && limits_.headerTimeoutMs != 0) {
        ctl.armDeadline(c, limits_.headerTimeoutMs, wire::kCloseHeaderTimeout);
      }
    } else if (phase != HttpPhase::kHead && limits_.bodyTimeoutMs != 0 &&
               (!httpAwaitsContinue(c.decoder) || (c.protoFlags & kContinueSent))) {
      ctl.armDeadline(c, limits_.bodyTimeoutMs, wire::kCloseReadTimeout);
    } else if (pending == 0 && outstanding(c) == 0) {
      if (c.deadlineReason != wire::kCloseIdleTimeout) {
        if (limits_.keepAliveTimeoutMs != 0) {
          ctl.armDeadline(c, limits_.keepAliveTimeoutMs, wire::kCloseIdleTimeout);
        } else {
          ctl.clearDeadline(c);
        }
      }
    } else if (c.deadlineMs != 0) {
      ctl.clearDeadline(c);
    }
  }

  FrameBytes buildRecord(const uint8_t* data, size_t length) {
    Scratch& s = t_scratch;
    size_t start = 0;
    while (start + 1 < length && data[start] == '\r' && data[start + 1] == '\n') start += 2;
    // The decoder validated the message: its first CRLFCRLF ends the head.
    HttpLastHead& last = httpLastHead();
    HttpHead h;
    std::vector<int32_t>* fields = &last.fields;
    if (last.data == data) {
      h = last.head;  // parsed by the decoder in this same pass: no second parse
    } else {
      // The body completed in a later read than the head: parse the head again.
      const void* hit = memmem(data + start, length - start, "\r\n\r\n", 4);
      const size_t headEnd = static_cast<size_t>(static_cast<const uint8_t*>(hit) - data) + 4;
      s.index.clear();
      parseHttpHead(data, start, headEnd, limits_, &h, collectHeader, &s.index);
      fields = &s.index;
    }
    last.data = nullptr;
    const size_t end = h.end;
    s.keepAlive = h.keepAlive;

    const size_t ints = kRecFixedInts + fields->size();
    const size_t headBase = ints * 4;
    const size_t bodyBase = headBase + (end - start);
    const size_t bodyMax = length - end;
    if (s.bytes.size() < bodyBase + bodyMax) s.bytes.resize(bodyBase + bodyMax);
    uint8_t* out = s.bytes.data();
    std::memcpy(out + headBase, data + start, end - start);
    size_t bodyLength = h.chunked ? copyChunkedBody(data, end, length, out + bodyBase) : bodyMax;
    if (!h.chunked) std::memcpy(out + bodyBase, data + end, bodyLength);

    const auto rel = [&](size_t offset) { return static_cast<int32_t>(headBase + offset - start); };
    int32_t fixed[kRecFixedInts];
    fixed[kRecFlags] = (h.minor == 1 ? kFlagHttp11 : 0) | (h.keepAlive ? kFlagKeepAlive : 0) |
                       (h.expectContinue ? kFlagExpectContinue : 0) | (h.chunked ? kFlagChunked : 0);
    fixed[kRecMethod] = h.method;
    fixed[kRecMethodOffset] = rel(start);
    fixed[kRecMethodLength] = static_cast<int32_t>(h.methodLen);
    fixed[kRecTargetOffset] = rel(h.targetOffset);
    fixed[kRecTargetLength] = static_cast<int32_t>(h.targetLength);
    fixed[kRecHeaderCount] = static_cast<int32_t>(h.headerCount);
    fixed[kRecBodyOffset] = static_cast<int32_t>(bodyBase);
    fixed[kRecBodyLength] = static_cast<int32_t>(bodyLength);
    fixed[kRecReserved] = 0;
    std::vector<int32_t>& index = *fields;
    for (size_t i = 0; i < index.size(); i += 2) index[i] = rel(static_cast<size_t>(index[i]));
    std::memcpy(out, fixed, sizeof fixed);
    if (!index.empty()) std::memcpy(out + sizeof fixed, index.data(), index.size() * 4);
    return FrameBytes{out, bodyBase + bodyLength};
  }

  const HttpFraming limits_;
};

}  // namespace

uint32_t httpOutstanding(const Connection& c) { return outstanding(c); }

std::unique_ptr<Protocol> makeHttpProtocol(const HttpFraming& limits) {
  return std::make_unique<HttpProtocol>(limits);
}

}  // namespace ringnet
