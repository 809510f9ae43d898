#pragma once
// The names every template sees: Jinja2's range, dict, namespace and joiner, and what
// transformers adds: raise_exception(msg) and strftime_now(fmt).
#include <string>
#include <utility>
#include <vector>

#include "strftime.hpp"
#include "value.hpp"

namespace atman::jinja {

std::vector<std::pair<std::string, Value>> make_globals(const RenderClock& clock);

}  // namespace atman::jinja
