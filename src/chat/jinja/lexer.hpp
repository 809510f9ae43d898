#pragma once
// Splits template source into text and tag tokens the way Jinja2's lexer does with transformers'
// settings: trim_blocks (a block or comment tag eats the newline after it), lstrip_blocks (spaces
// and tabs before a block or comment tag on its own line go), "-" / "+" whitespace control,
// {# comments #}, {% raw %}, \r\n -> \n, and one trailing newline of the source dropped.
#include <cstdint>
#include <string>
#include <vector>

namespace atman::jinja {

enum class TokenType {
  Text,
  VariableBegin,
  VariableEnd,
  BlockBegin,
  BlockEnd,
  Name,
  String,
  Integer,
  Float,
  Operator,
  End
};

struct Token {
  TokenType type;
  std::string text;  // text, name, decoded string literal or operator
  int line;
  int64_t integer = 0;
  double number = 0.0;
};

// Newlines normalised and the trailing newline dropped: the text line numbers refer to.
std::string normalized_source(const std::string& source);
// Tokens of normalized_source(source); the last is End. Throws SyntaxError.
std::vector<Token> tokenize(const std::string& normalized);

}  // namespace atman::jinja
