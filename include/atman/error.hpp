#pragma once
// The one exception type of the library. The library throws and never exits; the CLI's
// main() is the one place that catches, prints a single `error:` line and returns non-zero.
#include <stdexcept>
#include <string>

namespace atman {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A bad option or flag value: the CLI exits with 2 (usage error) instead of 1.
class UsageError : public Error {
 public:
  using Error::Error;
};

// Adds context to an error travelling up: "loading model 'DIR': " + cause.
[[noreturn]] void rethrow_with_context(const std::string& context);

}  // namespace atman
