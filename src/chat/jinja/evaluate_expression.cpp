// Expression evaluation of the Evaluator (see evaluator.hpp).
#include "errors.hpp"
#include "evaluator.hpp"
#include "filters.hpp"
#include "lookup.hpp"
#include "methods.hpp"
#include "operators.hpp"
#include "value_tests.hpp"

namespace atman::jinja {
namespace {

template <typename T>
const T& as(const Expr& e) {
  return static_cast<const T&>(e);
}

}  // namespace

Value Evaluator::lookup(const std::string& name, const FramePtr& frame) const {
  if (const Value* v = frame->find(name)) return *v;
  return Value::undefined("'" + name + "' is undefined");
}

CallArgs Evaluator::eval_args(const Arguments& args, const FramePtr& frame) {
  CallArgs out;
  for (const auto& arg : args.positional) out.positional.push_back(eval(*arg, frame));
  if (args.star_args) {
    for (Value& v : eval(*args.star_args, frame).iterate()) out.positional.push_back(std::move(v));
  }
  for (const auto& [name, arg] : args.keyword) out.keyword.emplace_back(name, eval(*arg, frame));
  if (args.star_kwargs) {
    const Value extra = eval(*args.star_kwargs, frame);
    if (!extra.is(Value::Type::Dict))
      throw_type_error("argument after ** must be a mapping, not " + extra.type_name());
    for (const auto& [key, value] : extra.as_dict().entries)
      out.keyword.emplace_back(key.str(), value);
  }
  return out;
}

Value Evaluator::eval_call(const CallExpr& call, const FramePtr& frame) {
  Value callee;
  if (call.callee->kind == ExprKind::GetAttr) {
    // obj.method(...): call str/dict methods directly rather than through a bound callable.
    const auto& attr = as<GetAttrExpr>(*call.callee);
    const Value object = eval(*attr.object, frame);
    if (has_method(object, attr.name)) {
      const CallArgs args = eval_args(call.args, frame);
      line_ = call.line;
      return call_method(object, attr.name, args);
    }
    callee = get_attribute(object, attr.name);
  } else {
    callee = eval(*call.callee, frame);
  }
  const CallArgs args = eval_args(call.args, frame);
  line_ = call.line;
  if (callee.is_undefined()) callee.fail_undefined();
  if (!callee.is(Value::Type::Callable))
    throw_type_error("'" + callee.type_name() + "' object is not callable");
  return callee.as_callable().call(args);
}

Value Evaluator::eval_filter(const FilterExpr& filter, const FramePtr& frame, const Value* input) {
  Value operand;
  if (!filter.operand)
    operand = *input;
  else if (input != nullptr)
    operand = eval_filter(as<FilterExpr>(*filter.operand), frame, input);
  else
    operand = eval(*filter.operand, frame);
  const CallArgs args = eval_args(filter.args, frame);
  line_ = filter.line;
  return apply_filter(filter.name, operand, args);
}

Value Evaluator::eval_compare(const CompareExpr& compare_expr, const FramePtr& frame) {
  Value left = eval(*compare_expr.first, frame);
  for (const auto& [op, operand] : compare_expr.rest) {
    Value right = eval(*operand, frame);
    line_ = compare_expr.line;
    if (!compare(op, left, right)) return Value::boolean(false);
    left = std::move(right);
  }
  return Value::boolean(true);
}

Value Evaluator::eval(const Expr& expr, const FramePtr& frame) {
  line_ = expr.line;
  switch (expr.kind) {
    case ExprKind::Literal:
      return as<LiteralExpr>(expr).value;
    case ExprKind::Name:
      return lookup(as<NameExpr>(expr).name, frame);
    case ExprKind::List: {
      const auto& list = as<ListExpr>(expr);
      std::vector<Value> items;
      for (const auto& item : list.items) items.push_back(eval(*item, frame));
      return list.is_tuple ? Value::tuple(std::move(items)) : Value::list(std::move(items));
    }
    case ExprKind::Dict: {
      Dict d;
      for (const auto& [key, value] : as<DictExpr>(expr).items) {
        Value k = eval(*key, frame);
        d.set(std::move(k), eval(*value, frame));
      }
      return Value::dict(std::move(d));
    }
    case ExprKind::GetAttr: {
      const auto& attr = as<GetAttrExpr>(expr);
      const Value object = eval(*attr.object, frame);
      line_ = expr.line;
      return get_attribute(object, attr.name);
    }
    case ExprKind::GetItem: {
      const auto& item = as<GetItemExpr>(expr);
      const Value object = eval(*item.object, frame);
      const Value index = eval(*item.index, frame);
      line_ = expr.line;
      return get_item(object, index);
    }
    case ExprKind::Slice: {
      const auto& slice = as<SliceExpr>(expr);
      const Value object = eval(*slice.object, frame);
      const auto part = [&](const ExprPtr& e) -> std::optional<Value> {
        if (!e) return std::nullopt;
        return eval(*e, frame);
      };
      const auto start = part(slice.start);
      const auto stop = part(slice.stop);
      const auto step = part(slice.step);
      line_ = expr.line;
      return get_slice(object, start, stop, step);
    }
    case ExprKind::Call:
      return eval_call(as<CallExpr>(expr), frame);
    case ExprKind::Filter:
      return eval_filter(as<FilterExpr>(expr), frame, nullptr);
    case ExprKind::Test: {
      const auto& test = as<TestExpr>(expr);
      const Value operand = eval(*test.operand, frame);
      const CallArgs args = eval_args(test.args, frame);
      line_ = expr.line;
      return Value::boolean(apply_test(test.name, operand, args));
    }
    case ExprKind::Not:
      return Value::boolean(!eval(*as<UnaryExpr>(expr).operand, frame).truthy());
    case ExprKind::Negate:
      return negate(eval(*as<UnaryExpr>(expr).operand, frame));
    case ExprKind::Plus:
      return unary_plus(eval(*as<UnaryExpr>(expr).operand, frame));
    case ExprKind::And: {  // Python: the first falsy operand, else the last
      const auto& binary = as<BinaryExpr>(expr);
      Value left = eval(*binary.left, frame);
      return left.truthy() ? eval(*binary.right, frame) : left;
    }
    case ExprKind::Or: {  // Python: the first truthy operand, else the last
      const auto& binary = as<BinaryExpr>(expr);
      Value left = eval(*binary.left, frame);
      return left.truthy() ? left : eval(*binary.right, frame);
    }
    case ExprKind::Arithmetic: {
      const auto& binary = as<BinaryExpr>(expr);
      const Value left = eval(*binary.left, frame);
      const Value right = eval(*binary.right, frame);
      line_ = expr.line;
      return arithmetic(binary.op, left, right);
    }
    case ExprKind::Concat: {
      std::string out;
      for (const auto& operand : as<ConcatExpr>(expr).operands) out += eval(*operand, frame).str();
      return Value::string(std::move(out));
    }
    case ExprKind::Compare:
      return eval_compare(as<CompareExpr>(expr), frame);
    case ExprKind::Conditional: {
      const auto& conditional = as<ConditionalExpr>(expr);
      if (eval(*conditional.condition, frame).truthy()) return eval(*conditional.then_value, frame);
      if (conditional.else_value) return eval(*conditional.else_value, frame);
      return Value::undefined("the inline if-expression on line " + std::to_string(expr.line) +
                              " evaluated to false and no else section was defined.");
    }
  }
  return Value();
}

}  // namespace atman::jinja
