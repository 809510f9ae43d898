#pragma once
// Jinja2's compiler refuses a filter or test it does not know, except inside an if statement or
// an inline if, where the name fails only if that code runs (an error at render time).
#include "ast.hpp"

namespace atman::jinja {

// Throws SyntaxError at the first unknown filter or test outside such a branch.
void check_filter_and_test_names(const Body& body);

}  // namespace atman::jinja
