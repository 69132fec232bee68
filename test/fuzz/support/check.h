// Failure reporting for the fuzz targets: a broken property prints what broke
// and aborts, which libFuzzer records as a crash and saves the input under
// build/fuzz/artifacts/<target>/ (see test/fuzz/run.sh).
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                          \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "property failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                               \
    }                                                                             \
  } while (0)
