#pragma once
// Jinja2's grammar (operator precedence, filters binding tighter than binary operators, tests,
// inline if, slices, calls with keywords) over the lexer's tokens. Unknown tags are syntax
// errors, and so are unknown filters and tests where Jinja2's compiler refuses them.
#include <vector>

#include "ast.hpp"
#include "lexer.hpp"

namespace atman::jinja {

// Throws SyntaxError naming the line.
Body parse_template(const std::vector<Token>& tokens);

}  // namespace atman::jinja
