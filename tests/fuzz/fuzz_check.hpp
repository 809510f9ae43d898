#pragma once
// Invariant checks for the fuzz targets: a violated one aborts, which libFuzzer reports as a
// finding with the input that caused it.
#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition, ...)                                      \
  do {                                                                  \
    if (!(condition)) {                                                 \
      std::fprintf(stderr, "invariant failed: %s: ", #condition);       \
      std::fprintf(stderr, __VA_ARGS__);                                \
      std::fprintf(stderr, "\n");                                       \
      std::abort();                                                     \
    }                                                                   \
  } while (0)
