#include "value_tests.hpp"

#include <functional>
#include <map>

#include "errors.hpp"
#include "operators.hpp"
#include "unicode.hpp"

namespace atman::jinja {
namespace {

using Test = std::function<bool(const Value& value, const CallArgs& args)>;
using Type = Value::Type;

Value other(const CallArgs& args, const std::string& test) {
  const BoundArgs a(args, {"other"}, test);
  if (!a.has(0)) throw_type_error(test + "() missing 1 required positional argument");
  return *a[0];
}

Test comparison(CompareOp op, const char* name) {
  return [op, name](const Value& v, const CallArgs& args) {
    return compare(op, v, other(args, name));
  };
}

bool integer_test(const Value& v, int64_t modulus, int64_t remainder) {
  if (v.is_undefined()) v.fail_undefined();
  if (!v.is_integral())
    throw_type_error("unsupported operand type(s) for %: '" + v.type_name() + "' and 'int'");
  return equals(arithmetic(ArithmeticOp::Modulo, v, Value::integer(modulus)),
                Value::integer(remainder));
}

bool iterable(const Value& v) {
  return v.is_undefined() || v.is_string() || v.is(Type::List) || v.is(Type::Dict);
}

// A test of the value alone: Python's TypeError when given arguments.
Test unary(std::function<bool(const Value&)> predicate, const char* name) {
  return [predicate = std::move(predicate), name](const Value& v, const CallArgs& args) {
    if (!args.positional.empty() || !args.keyword.empty()) {
      throw_type_error(std::string("test_") + name + "() takes 1 positional argument but " +
                       std::to_string(1 + args.positional.size() + args.keyword.size()) +
                       " were given");
    }
    return predicate(v);
  };
}

const std::map<std::string, Test>& tests() {
  static const std::map<std::string, Test> table = {
      {"defined", unary([](const Value& v) { return !v.is_undefined(); }, "defined")},
      {"undefined", unary([](const Value& v) { return v.is_undefined(); }, "undefined")},
      {"none", unary([](const Value& v) { return v.is_none(); }, "none")},
      {"boolean", unary([](const Value& v) { return v.is(Type::Bool); }, "boolean")},
      {"true", unary([](const Value& v) { return v.is(Type::Bool) && v.as_bool(); }, "true")},
      {"false", unary([](const Value& v) { return v.is(Type::Bool) && !v.as_bool(); }, "false")},
      {"integer", unary([](const Value& v) { return v.is(Type::Int); }, "integer")},
      {"float", unary([](const Value& v) { return v.is(Type::Float); }, "float")},
      {"number", unary([](const Value& v) { return v.is_number(); }, "number")},
      {"string", unary([](const Value& v) { return v.is_string(); }, "string")},
      {"mapping", unary([](const Value& v) { return v.is(Type::Dict); }, "mapping")},
      // Python's iter() works (Undefined iterates as nothing).
      {"iterable", unary(iterable, "iterable")},
      // len() and __getitem__ both work: the same values here.
      {"sequence", unary(iterable, "sequence")},
      {"callable", unary([](const Value& v) { return v.is(Type::Callable); }, "callable")},
      {"odd", unary([](const Value& v) { return integer_test(v, 2, 1); }, "odd")},
      {"even", unary([](const Value& v) { return integer_test(v, 2, 0); }, "even")},
      {"divisibleby",
       [](const Value& v, const CallArgs& args) {
         const Value n = other(args, "divisibleby");
         return equals(arithmetic(ArithmeticOp::Modulo, v, n), Value::integer(0));
       }},
      {"sameas",
       [](const Value& v, const CallArgs& args) { return v.same_object(other(args, "sameas")); }},
      {"in", [](const Value& v, const CallArgs& args) { return contains(other(args, "in"), v); }},
      {"lower", unary([](const Value& v) { return python_islower(v.str()); }, "lower")},
      {"upper", unary([](const Value& v) { return python_isupper(v.str()); }, "upper")},
      {"escaped", unary([](const Value&) { return false; }, "escaped")},
      {"eq", comparison(CompareOp::Equal, "eq")},
      {"equalto", comparison(CompareOp::Equal, "equalto")},
      {"==", comparison(CompareOp::Equal, "==")},
      {"ne", comparison(CompareOp::NotEqual, "ne")},
      {"!=", comparison(CompareOp::NotEqual, "!=")},
      {"lt", comparison(CompareOp::Less, "lt")},
      {"lessthan", comparison(CompareOp::Less, "lessthan")},
      {"<", comparison(CompareOp::Less, "<")},
      {"le", comparison(CompareOp::LessEqual, "le")},
      {"<=", comparison(CompareOp::LessEqual, "<=")},
      {"gt", comparison(CompareOp::Greater, "gt")},
      {"greaterthan", comparison(CompareOp::Greater, "greaterthan")},
      {">", comparison(CompareOp::Greater, ">")},
      {"ge", comparison(CompareOp::GreaterEqual, "ge")},
      {">=", comparison(CompareOp::GreaterEqual, ">=")},
  };
  return table;
}

}  // namespace

bool has_test(const std::string& name) { return tests().count(name) > 0; }

bool apply_test(const std::string& name, const Value& value, const CallArgs& args) {
  const auto it = tests().find(name);
  if (it == tests().end())
    throw RenderError("TemplateRuntimeError", "no test named '" + name + "'");
  return it->second(value, args);
}

}  // namespace atman::jinja
