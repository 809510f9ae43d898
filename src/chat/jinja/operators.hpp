#pragma once
// Python's operators on template values: equality without coercion ("" != false, 1 == 1.0,
// dicts by value), ordering, membership, and arithmetic; any operand that is Undefined fails
// as Jinja2's default Undefined does.
#include "value.hpp"

namespace atman::jinja {

enum class ArithmeticOp { Add, Subtract, Multiply, TrueDivide, FloorDivide, Modulo, Power };
enum class CompareOp { Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual, In, NotIn };

bool equals(const Value& a, const Value& b);
bool compare(CompareOp op, const Value& a, const Value& b);
// `item in container`
bool contains(const Value& container, const Value& item);
Value arithmetic(ArithmeticOp op, const Value& a, const Value& b);
Value negate(const Value& v);
Value unary_plus(const Value& v);

}  // namespace atman::jinja
