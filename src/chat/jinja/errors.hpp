#pragma once
// The two ways a template fails inside the engine. Both are turned into atman::Error at the
// public boundary, with the template's name and the offending line quoted (located_message).
#include <stdexcept>
#include <string>

namespace atman::jinja {

// A template that does not parse; `line` is 1-based.
class SyntaxError : public std::runtime_error {
 public:
  SyntaxError(const std::string& message, int line) : std::runtime_error(message), line_(line) {}
  int line() const { return line_; }

 private:
  int line_;
};

// A failure while rendering; `kind` is the Python exception Jinja2 would raise
// (UndefinedError, TypeError, ValueError, ...).
class RenderError : public std::runtime_error {
 public:
  RenderError(const std::string& kind, const std::string& message)
      : std::runtime_error(kind + ": " + message) {}
};

[[noreturn]] void throw_type_error(const std::string& message);
[[noreturn]] void throw_value_error(const std::string& message);

// "chat template 'NAME', line N: MESSAGE; the line reads: TEXT"
std::string located_message(const std::string& template_name, const std::string& source, int line,
                            const std::string& message);

}  // namespace atman::jinja
