// The tiny check harness the native unit tests share: CHECK counts and prints
// failures (with the current case label when a test sets one) and the test's
// main() ends with `return checkSummary();`.
#pragma once

#include <cstdio>
#include <string>

namespace ringnet::test {

inline int passed = 0;
inline int failed = 0;
inline std::string currentCase;  // optional label printed with failures

inline void record(bool ok, const char* file, int line, const char* what) {
  if (ok) {
    ++passed;
    return;
  }
  ++failed;
  if (currentCase.empty()) {
    std::printf("FAIL %s:%d: %s\n", file, line, what);
  } else {
    std::printf("FAIL [%s] %s:%d: %s\n", currentCase.c_str(), file, line, what);
  }
}

inline int checkSummary() {
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

}  // namespace ringnet::test

#define CHECK(cond) ::ringnet::test::record(static_cast<bool>(cond), __FILE__, __LINE__, #cond)
