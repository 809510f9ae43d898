#pragma once
// A variable scope. Jinja2's scoping: the template's top level, each for-loop iteration, each
// macro call and each {% with %} get their own; {% if %} does not. A `set` writes to the
// innermost scope, so a set inside a loop is gone after it (hence namespace()).
#include <memory>
#include <string>
#include <unordered_map>

#include "value.hpp"

namespace atman::jinja {

class Frame {
 public:
  explicit Frame(std::shared_ptr<const Frame> parent) : parent_(std::move(parent)) {}
  // The innermost binding of `name`, or nullptr.
  const Value* find(const std::string& name) const;
  void set(const std::string& name, Value value) { vars_[name] = std::move(value); }

 private:
  std::shared_ptr<const Frame> parent_;
  std::unordered_map<std::string, Value> vars_;
};
using FramePtr = std::shared_ptr<Frame>;

}  // namespace atman::jinja
