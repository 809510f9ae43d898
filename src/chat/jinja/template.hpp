#pragma once
// A parsed template: what atman::ChatTemplate holds.
#include <string>

#include "ast.hpp"

namespace atman::jinja {

struct Template {
  std::string name;
  std::string source;  // normalised (\n newlines): the text line numbers refer to
  Body body;
};

}  // namespace atman::jinja
