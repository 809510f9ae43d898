#pragma once
// Torch-free test helpers: fixtures that must exist under CI, and the message of an expected error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace atman::test {

// Golden data in ../shared must be there under CI (CI=true): a test that needs it fails there,
// and is skipped elsewhere. A macro, because GTEST_SKIP must return from the test itself.
#define ATMAN_REQUIRE_FIXTURE(path)                                                             \
  do {                                                                                          \
    if (!std::filesystem::exists(path)) {                                                       \
      const char* ci = std::getenv("CI");                                                       \
      if (ci != nullptr && std::string(ci) == "true") FAIL() << "fixture missing under CI: " << (path); \
      GTEST_SKIP() << "fixture not present: " << (path);                                        \
    }                                                                                           \
  } while (0)

// Runs `body` and returns the atman::Error message it throws (fails the test if none).
template <typename F>
std::string error_message(F&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an error, none was thrown";
  return "";
}

}  // namespace atman::test
