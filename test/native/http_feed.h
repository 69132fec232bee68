// What the HTTP decoder tests share: feeding input the way the reactor does
// (pending tail + each new piece, each in an exact-size heap copy so ASan sees
// any overread) and checking that a message gets the same answer in one read,
// split at every byte, and byte by byte.
#pragma once

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/codec/http_codec.h"

namespace ringnet::httptest {

inline int g_passed = 0;
inline int g_failed = 0;

inline void check(bool ok, int line, const std::string& what) {
  if (ok) {
    ++g_passed;
  } else {
    ++g_failed;
    std::printf("FAIL line %d: %s\n", line, what.c_str());
  }
}
#define CHECK(cond, what) check((cond), __LINE__, std::string(#cond) + "  " + (what))

inline HttpFraming limits() {
  HttpFraming f;
  f.maxHeaderSize = 1024;
  f.maxUriLength = 256;
  f.maxHeaders = 16;
  f.maxBodySize = 4096;
  return f;
}

struct Outcome {
  DecodeStatus status = DecodeStatus::kNeedMore;
  int httpStatus = 0;    // kError: the status answered
  size_t consumed = 0;   // kFrame
};

// Feeds `input` the way the reactor does: a pending tail plus each new piece.
inline Outcome feed(const FrameDecoder& dec, const std::string& input, const std::vector<size_t>& cuts) {
  DecoderState st;
  std::string pending;
  size_t prev = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(input.size());
  for (size_t end : ends) {
    pending.append(input, prev, end - prev);
    prev = end;
    // Each piece gets its own exact-size heap copy so ASan sees any overread.
    std::unique_ptr<uint8_t[]> buf(new uint8_t[pending.size() + 1]);
    std::memcpy(buf.get(), pending.data(), pending.size());
    DecodeResult r = dec.decode(buf.get(), pending.size(), st);
    if (r.status == DecodeStatus::kError) return {DecodeStatus::kError, httpErrorStatus(r.error), 0};
    if (r.status == DecodeStatus::kFrame) return {DecodeStatus::kFrame, 0, r.consumed};
  }
  return {};
}

inline Outcome once(const std::string& input, const HttpFraming& f = limits()) {
  auto dec = makeHttpDecoder(f);
  return feed(*dec, input, {});
}

// Accepted as one frame of exactly input.size() bytes, however it is split.
inline void accepts(const std::string& input, int line, const HttpFraming& f = limits()) {
  auto dec = makeHttpDecoder(f);
  Outcome whole = feed(*dec, input, {});
  check(whole.status == DecodeStatus::kFrame && whole.consumed == input.size(), line,
        "accepts in one read (status " + std::to_string(int(whole.status)) + ", http " +
            std::to_string(whole.httpStatus) + ", consumed " + std::to_string(whole.consumed) + ")");
  for (size_t cut = 1; cut < input.size(); ++cut) {
    Outcome o = feed(*dec, input, {cut});
    if (o.status != DecodeStatus::kFrame || o.consumed != input.size()) {
      check(false, line, "accepts split at byte " + std::to_string(cut));
      return;
    }
  }
  std::vector<size_t> every;
  for (size_t i = 1; i < input.size(); ++i) every.push_back(i);
  Outcome o = feed(*dec, input, every);
  check(o.status == DecodeStatus::kFrame && o.consumed == input.size(), line, "accepts byte by byte");
}

// Rejected with `status`, in one read and byte by byte.
inline void rejects(const std::string& input, int status, int line, const HttpFraming& f = limits()) {
  auto dec = makeHttpDecoder(f);
  Outcome whole = feed(*dec, input, {});
  check(whole.status == DecodeStatus::kError && whole.httpStatus == status, line,
        "rejects with " + std::to_string(status) + " (got status " + std::to_string(int(whole.status)) +
            ", http " + std::to_string(whole.httpStatus) + ")");
  std::vector<size_t> every;
  for (size_t i = 1; i < input.size(); ++i) every.push_back(i);
  Outcome o = feed(*dec, input, every);
  check(o.status == DecodeStatus::kError && o.httpStatus == status, line,
        "rejects byte by byte with " + std::to_string(status) + " (got http " + std::to_string(o.httpStatus) + ")");
}

inline void needsMore(const std::string& input, int line) {
  Outcome o = once(input);
  check(o.status == DecodeStatus::kNeedMore, line, "needs more input");
}

inline int summary() {
  std::printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}

}  // namespace ringnet::httptest
