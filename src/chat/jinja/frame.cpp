#include "frame.hpp"

namespace atman::jinja {

const Value* Frame::find(const std::string& name) const {
  for (const Frame* f = this; f != nullptr; f = f->parent_.get()) {
    const auto it = f->vars_.find(name);
    if (it != f->vars_.end()) return &it->second;
  }
  return nullptr;
}

}  // namespace atman::jinja
