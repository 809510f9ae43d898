#include "operators.hpp"

#include <cmath>

#include "errors.hpp"
#include "string_format.hpp"

namespace atman::jinja {

using Type = Value::Type;

bool equals(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_integral() && b.is_integral()) return a.as_int() == b.as_int();
    return a.as_double() == b.as_double();
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Type::Undefined:
    case Type::None:
      return true;
    case Type::String:
      return a.as_string() == b.as_string();
    case Type::List: {
      const List& x = a.as_list();
      const List& y = b.as_list();
      if (x.is_tuple != y.is_tuple || x.items.size() != y.items.size()) return false;
      for (size_t i = 0; i < x.items.size(); ++i) {
        if (!equals(x.items[i], y.items[i])) return false;
      }
      return true;
    }
    case Type::Dict: {
      const Dict& x = a.as_dict();
      const Dict& y = b.as_dict();
      if (x.entries.size() != y.entries.size()) return false;
      for (const auto& [key, value] : x.entries) {
        const Value* other = y.find(key);
        if (other == nullptr || !equals(value, *other)) return false;
      }
      return true;
    }
    default:
      return a.same_object(b);
  }
}

namespace {

const char* symbol(CompareOp op) {
  switch (op) {
    case CompareOp::Less:
      return "<";
    case CompareOp::LessEqual:
      return "<=";
    case CompareOp::Greater:
      return ">";
    default:
      return ">=";
  }
}

// -1, 0 or 1; throws Python's TypeError for values that have no order.
int three_way(CompareOp op, const Value& a, const Value& b) {
  if (a.is_undefined()) a.fail_undefined();
  if (b.is_undefined()) b.fail_undefined();
  if (a.is_number() && b.is_number()) {
    if (a.is_integral() && b.is_integral())
      return a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int() ? 1 : 0;
    const double x = a.as_double(), y = b.as_double();
    return x < y   ? -1
           : x > y ? 1
                   : 0;  // NaN compares as equal here, and is false for every op below
  }
  if (a.is_string() && b.is_string()) {
    const int c = a.as_string().compare(b.as_string());  // UTF-8 byte order is code point order
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if (a.is(Type::List) && b.is(Type::List) && a.as_list().is_tuple == b.as_list().is_tuple) {
    const auto& x = a.as_list().items;
    const auto& y = b.as_list().items;
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!equals(x[i], y[i])) return three_way(op, x[i], y[i]);
    }
    return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
  }
  throw_type_error(std::string("'") + symbol(op) + "' not supported between instances of '" +
                   a.type_name() + "' and '" + b.type_name() + "'");
}

}  // namespace

bool compare(CompareOp op, const Value& a, const Value& b) {
  switch (op) {
    case CompareOp::Equal:
      return equals(a, b);
    case CompareOp::NotEqual:
      return !equals(a, b);
    case CompareOp::In:
      return contains(b, a);
    case CompareOp::NotIn:
      return !contains(b, a);
    default:
      break;
  }
  if (a.is_number() && b.is_number() && (std::isnan(a.as_double()) || std::isnan(b.as_double())))
    return false;
  const int c = three_way(op, a, b);
  switch (op) {
    case CompareOp::Less:
      return c < 0;
    case CompareOp::LessEqual:
      return c <= 0;
    case CompareOp::Greater:
      return c > 0;
    default:
      return c >= 0;
  }
}

bool contains(const Value& container, const Value& item) {
  switch (container.type()) {
    case Type::Undefined:
      return false;  // iterating Undefined yields nothing
    case Type::String:
      if (!item.is_string()) {
        throw_type_error("'in <string>' requires string as left operand, not " + item.type_name());
      }
      return container.as_string().find(item.as_string()) != std::string::npos;
    case Type::List:
      for (const Value& v : container.as_list().items) {
        if (equals(v, item)) return true;
      }
      return false;
    case Type::Dict:
      if (item.is(Type::List) && !item.as_list().is_tuple)
        throw_type_error("unhashable type: 'list'");
      if (item.is(Type::Dict)) throw_type_error("unhashable type: 'dict'");
      return container.as_dict().find(item) != nullptr;
    default:
      throw_type_error("argument of type '" + container.type_name() + "' is not iterable");
  }
}

namespace {

const char* symbol(ArithmeticOp op) {
  switch (op) {
    case ArithmeticOp::Add:
      return "+";
    case ArithmeticOp::Subtract:
      return "-";
    case ArithmeticOp::Multiply:
      return "*";
    case ArithmeticOp::TrueDivide:
      return "/";
    case ArithmeticOp::FloorDivide:
      return "//";
    case ArithmeticOp::Modulo:
      return "%";
    case ArithmeticOp::Power:
      return "** or pow()";
  }
  return "?";
}

[[noreturn]] void unsupported(ArithmeticOp op, const Value& a, const Value& b) {
  throw_type_error(std::string("unsupported operand type(s) for ") + symbol(op) + ": '" +
                   a.type_name() + "' and '" + b.type_name() + "'");
}

[[noreturn]] void division_by_zero(const char* what) {
  throw RenderError("ZeroDivisionError", what);
}

Value repeat(const Value& sequence, int64_t times) {
  if (sequence.is_string()) {
    std::string out;
    for (int64_t i = 0; i < times; ++i) out += sequence.as_string();
    return Value::string(std::move(out));
  }
  std::vector<Value> items;
  for (int64_t i = 0; i < times; ++i) {
    items.insert(items.end(), sequence.as_list().items.begin(), sequence.as_list().items.end());
  }
  return sequence.as_list().is_tuple ? Value::tuple(std::move(items))
                                     : Value::list(std::move(items));
}

// Python ints are unbounded; this model's are 64-bit, so leaving that range is an error, not a
// wrap.
[[noreturn]] void integer_overflow() {
  throw RenderError("OverflowError",
                    "integer result outside the 64-bit range this renderer supports");
}

Value integer_arithmetic(ArithmeticOp op, int64_t x, int64_t y) {
  int64_t result = 0;
  switch (op) {
    case ArithmeticOp::Add:
      if (__builtin_add_overflow(x, y, &result)) integer_overflow();
      return Value::integer(result);
    case ArithmeticOp::Subtract:
      if (__builtin_sub_overflow(x, y, &result)) integer_overflow();
      return Value::integer(result);
    case ArithmeticOp::Multiply:
      if (__builtin_mul_overflow(x, y, &result)) integer_overflow();
      return Value::integer(result);
    case ArithmeticOp::TrueDivide:
      if (y == 0) division_by_zero("division by zero");
      return Value::number(static_cast<double>(x) / static_cast<double>(y));
    case ArithmeticOp::FloorDivide: {
      if (y == 0) division_by_zero("integer division or modulo by zero");
      int64_t q = x / y;
      if ((x % y != 0) && ((x < 0) != (y < 0))) --q;  // Python floors toward negative infinity
      return Value::integer(q);
    }
    case ArithmeticOp::Modulo: {
      if (y == 0) division_by_zero("integer modulo by zero");
      int64_t r = x % y;
      if (r != 0 && ((r < 0) != (y < 0))) r += y;  // the result takes the divisor's sign
      return Value::integer(r);
    }
    case ArithmeticOp::Power: {
      if (y < 0) return Value::number(std::pow(static_cast<double>(x), static_cast<double>(y)));
      result = 1;
      for (int64_t i = 0; i < y && result != 0; ++i) {
        if (__builtin_mul_overflow(result, x, &result)) integer_overflow();
      }
      return Value::integer(result);
    }
  }
  return Value();
}

Value float_arithmetic(ArithmeticOp op, double x, double y) {
  switch (op) {
    case ArithmeticOp::Add:
      return Value::number(x + y);
    case ArithmeticOp::Subtract:
      return Value::number(x - y);
    case ArithmeticOp::Multiply:
      return Value::number(x * y);
    case ArithmeticOp::TrueDivide:
      if (y == 0.0) division_by_zero("float division by zero");
      return Value::number(x / y);
    case ArithmeticOp::FloorDivide:
      if (y == 0.0) division_by_zero("float floor division by zero");
      return Value::number(std::floor(x / y));
    case ArithmeticOp::Modulo: {
      if (y == 0.0) division_by_zero("float modulo");
      double r = std::fmod(x, y);
      if (r != 0.0 && ((r < 0) != (y < 0))) r += y;
      return Value::number(r);
    }
    case ArithmeticOp::Power:
      return Value::number(std::pow(x, y));
  }
  return Value();
}

}  // namespace

Value arithmetic(ArithmeticOp op, const Value& a, const Value& b) {
  // str % args formats before Undefined can object: "%s" % undefined is "".
  if (op == ArithmeticOp::Modulo && a.is_string())
    return Value::string(percent_format(a.as_string(), b));
  if (a.is_undefined()) a.fail_undefined();
  if (b.is_undefined()) b.fail_undefined();
  if (a.is_number() && b.is_number()) {
    if (a.is_integral() && b.is_integral()) return integer_arithmetic(op, a.as_int(), b.as_int());
    return float_arithmetic(op, a.as_double(), b.as_double());
  }
  if (op == ArithmeticOp::Add) {
    if (a.is_string() && b.is_string()) return Value::string(a.as_string() + b.as_string());
    if (a.is(Type::List) && b.is(Type::List) && a.as_list().is_tuple == b.as_list().is_tuple) {
      std::vector<Value> items = a.as_list().items;
      items.insert(items.end(), b.as_list().items.begin(), b.as_list().items.end());
      return a.as_list().is_tuple ? Value::tuple(std::move(items)) : Value::list(std::move(items));
    }
    if (a.is_string() || a.is(Type::List)) {
      throw_type_error("can only concatenate " + a.type_name() + " (not \"" + b.type_name() +
                       "\") to " + a.type_name());
    }
  }
  if (op == ArithmeticOp::Multiply) {
    if ((a.is_string() || a.is(Type::List)) && b.is_integral()) return repeat(a, b.as_int());
    if ((b.is_string() || b.is(Type::List)) && a.is_integral()) return repeat(b, a.as_int());
  }
  unsupported(op, a, b);
}

Value negate(const Value& v) {
  if (v.is_undefined()) v.fail_undefined();
  if (v.is_integral()) return integer_arithmetic(ArithmeticOp::Subtract, 0, v.as_int());
  if (v.is(Type::Float)) return Value::number(-v.as_double());
  throw_type_error("bad operand type for unary -: '" + v.type_name() + "'");
}

Value unary_plus(const Value& v) {
  if (v.is_undefined()) v.fail_undefined();
  if (v.is_integral()) return Value::integer(v.as_int());
  if (v.is(Type::Float)) return v;
  throw_type_error("bad operand type for unary +: '" + v.type_name() + "'");
}

}  // namespace atman::jinja
