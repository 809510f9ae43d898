// Statement execution of the Evaluator (see evaluator.hpp).
#include "atman/chat_template.hpp"
#include "errors.hpp"
#include "evaluator.hpp"
#include "globals.hpp"
#include "operators.hpp"

namespace atman::jinja {
namespace {

template <typename T>
const T& as(const Node& n) {
  return static_cast<const T&>(n);
}

// Deep enough for any chat template, shallow enough to fail before the C++ stack does.
constexpr int kMaxCallDepth = 200;

// The `loop` variable of iteration `i` of `items`; `last_changed` is loop.changed()'s memory,
// shared by the iterations of one loop.
Value loop_object(const std::vector<Value>& items, size_t i,
                  const std::shared_ptr<std::optional<Value>>& last_changed) {
  const auto n = static_cast<int64_t>(items.size());
  const auto index = static_cast<int64_t>(i);
  Dict d;
  const auto put = [&](const char* name, Value v) {
    d.entries.emplace_back(Value::string(name), std::move(v));
  };
  put("index0", Value::integer(index));
  put("index", Value::integer(index + 1));
  put("revindex0", Value::integer(n - index - 1));
  put("revindex", Value::integer(n - index));
  put("first", Value::boolean(i == 0));
  put("last", Value::boolean(index == n - 1));
  put("length", Value::integer(n));
  put("depth0", Value::integer(0));
  put("depth", Value::integer(1));
  put("previtem", i > 0 ? items[i - 1] : Value::undefined("there is no previous item"));
  put("nextitem", index + 1 < n ? items[i + 1] : Value::undefined("there is no next item"));
  put("cycle", Value::callable("cycle", [index](const CallArgs& args) {
        if (args.positional.empty()) throw_type_error("no items for cycling given");
        return args.positional[static_cast<size_t>(index) % args.positional.size()];
      }));
  put("changed", Value::callable("changed", [last_changed](const CallArgs& args) {
        Value values = Value::tuple(args.positional);
        if (*last_changed && equals(**last_changed, values)) return Value::boolean(false);
        *last_changed = std::move(values);
        return Value::boolean(true);
      }));
  return Value::name_space(std::move(d));
}

}  // namespace

Evaluator::Evaluator(const Template& tmpl, const RenderClock& clock)
    : template_(tmpl), globals_(std::make_shared<Frame>(nullptr)) {
  for (auto& [name, value] : make_globals(clock)) globals_->set(name, std::move(value));
}

std::string Evaluator::render(const nlohmann::ordered_json& context) {
  if (!context.is_object())
    throw RenderError("TypeError", "the template context must be a JSON object");
  // The context's variables over the globals; top-level sets shadow both.
  auto root = std::make_shared<Frame>(globals_);
  for (auto it = context.begin(); it != context.end(); ++it)
    root->set(it.key(), Value::from_json(it.value()));
  std::string out;
  exec_body(template_.body, root, out);
  return out;
}

Evaluator::Flow Evaluator::exec_body(const Body& body, const FramePtr& frame, std::string& out) {
  for (const auto& node : body) {
    const Flow flow = exec(*node, frame, out);
    if (flow != Flow::Normal) return flow;
  }
  return Flow::Normal;
}

Evaluator::Flow Evaluator::exec(const Node& node, const FramePtr& frame, std::string& out) {
  line_ = node.line;
  switch (node.kind) {
    case NodeKind::Text:
      out += as<TextNode>(node).text;
      return Flow::Normal;
    case NodeKind::Output:
      out += eval(*as<OutputNode>(node).value, frame).str();
      return Flow::Normal;
    case NodeKind::If:
      for (const auto& [condition, body] : as<IfNode>(node).branches) {
        if (eval(*condition, frame).truthy()) return exec_body(body, frame, out);
      }
      return exec_body(as<IfNode>(node).else_body, frame, out);
    case NodeKind::For:
      exec_for(as<ForNode>(node), frame, out);
      return Flow::Normal;
    case NodeKind::Set: {
      const auto& set = as<SetNode>(node);
      assign(set.target, eval(*set.value, frame), frame);
      return Flow::Normal;
    }
    case NodeKind::SetBlock: {
      const auto& set = as<SetBlockNode>(node);
      std::string text;
      exec_body(set.body, std::make_shared<Frame>(frame), text);
      Value value = Value::string(std::move(text));
      if (set.filter)
        value = eval_filter(static_cast<const FilterExpr&>(*set.filter), frame, &value);
      assign(set.target, value, frame);
      return Flow::Normal;
    }
    case NodeKind::Macro: {
      const auto& macro = as<MacroNode>(node);
      frame->set(macro.name, make_macro(macro.name, macro.params, macro.body, frame));
      return Flow::Normal;
    }
    case NodeKind::CallBlock:
      exec_call_block(as<CallBlockNode>(node), frame, out);
      return Flow::Normal;
    case NodeKind::FilterBlock: {
      const auto& filter = as<FilterBlockNode>(node);
      std::string text;
      exec_body(filter.body, std::make_shared<Frame>(frame), text);
      const Value input = Value::string(std::move(text));
      out += eval_filter(static_cast<const FilterExpr&>(*filter.filter), frame, &input).str();
      return Flow::Normal;
    }
    case NodeKind::With: {
      const auto& with = as<WithNode>(node);
      auto inner = std::make_shared<Frame>(frame);
      // Values are evaluated in the outer scope, as Jinja2 does.
      for (const auto& [target, value] : with.assignments)
        assign(target, eval(*value, frame), inner);
      return exec_body(with.body, inner, out);
    }
    case NodeKind::Scope:
      return exec_body(as<ScopeNode>(node).body, frame, out);
    case NodeKind::Break:
      return Flow::Break;
    case NodeKind::Continue:
      return Flow::Continue;
  }
  return Flow::Normal;
}

void Evaluator::exec_for(const ForNode& node, const FramePtr& frame, std::string& out) {
  std::vector<Value> items = eval(*node.iterable, frame).iterate();
  line_ = node.line;
  if (node.filter) {
    // `for x in xs if cond` filters first, so loop.* counts the kept items only.
    std::vector<Value> kept;
    for (Value& item : items) {
      auto scope = std::make_shared<Frame>(frame);
      assign(node.target, item, scope);
      if (eval(*node.filter, scope).truthy()) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    exec_body(node.else_body, std::make_shared<Frame>(frame), out);
    return;
  }
  const auto last_changed = std::make_shared<std::optional<Value>>();
  for (size_t i = 0; i < items.size(); ++i) {
    auto scope = std::make_shared<Frame>(frame);
    assign(node.target, items[i], scope);
    scope->set("loop", loop_object(items, i, last_changed));
    if (exec_body(node.body, scope, out) == Flow::Break) break;
  }
}

void Evaluator::assign(const AssignTarget& target, const Value& value, const FramePtr& frame) {
  const auto store = [&](const AssignTarget::Element& element, const Value& v) {
    if (element.attribute.empty()) {
      frame->set(element.name, v);
      return;
    }
    const Value* object = frame->find(element.name);
    if (object == nullptr || !object->is(Value::Type::Namespace)) {
      throw RenderError("TemplateRuntimeError", "cannot assign attribute on non-namespace object");
    }
    object->as_namespace().attributes.set(Value::string(element.attribute), v);
  };
  if (!target.is_tuple) {
    store(target.elements[0], value);
    return;
  }
  const std::vector<Value> parts = value.iterate();
  const size_t expected = target.elements.size();
  if (parts.size() < expected) {
    throw_value_error("not enough values to unpack (expected " + std::to_string(expected) +
                      ", got " + std::to_string(parts.size()) + ")");
  }
  if (parts.size() > expected)
    throw_value_error("too many values to unpack (expected " + std::to_string(expected) + ")");
  for (size_t i = 0; i < expected; ++i) store(target.elements[i], parts[i]);
}

Value Evaluator::make_macro(const std::string& name, const std::vector<Parameter>& params,
                            const Body& body, const FramePtr& closure) {
  // A weak reference: the macro is stored in the frame it closes over.
  std::weak_ptr<Frame> weak_closure = closure;
  return Value::callable(name, [this, name, &params, &body, weak_closure](const CallArgs& args) {
    FramePtr scope = weak_closure.lock();
    return call_macro(name, params, body, scope ? scope : globals_, args);
  });
}

Value Evaluator::call_macro(const std::string& name, const std::vector<Parameter>& params,
                            const Body& body, const FramePtr& closure, const CallArgs& args) {
  if (call_depth_ >= kMaxCallDepth)
    throw RenderError("RecursionError", "macro '" + name + "' nested too deeply");
  auto scope = std::make_shared<Frame>(closure);
  std::vector<bool> given(params.size(), false);
  std::vector<Value> varargs;
  for (size_t i = 0; i < args.positional.size(); ++i) {
    if (i < params.size()) {
      scope->set(params[i].name, args.positional[i]);
      given[i] = true;
    } else {
      varargs.push_back(args.positional[i]);
    }
  }
  Dict kwargs;
  for (const auto& [key, value] : args.keyword) {
    size_t i = 0;
    while (i < params.size() && params[i].name != key) ++i;
    if (i < params.size()) {
      if (given[i])
        throw_type_error("macro '" + name + "' got multiple values for argument '" + key + "'");
      scope->set(key, value);
      given[i] = true;
    } else if (key == "caller") {
      scope->set("caller", value);
    } else {
      kwargs.set(Value::string(key), value);
    }
  }
  const int saved_line = line_;
  for (size_t i = 0; i < params.size(); ++i) {
    if (given[i]) continue;
    // Defaults are evaluated at call time and may use the parameters before them.
    scope->set(params[i].name,
               params[i].default_value
                   ? eval(*params[i].default_value, scope)
                   : Value::undefined("parameter '" + params[i].name + "' was not provided"));
  }
  scope->set("varargs", Value::tuple(std::move(varargs)));
  scope->set("kwargs", Value::dict(std::move(kwargs)));
  std::string out;
  ++call_depth_;
  try {
    exec_body(body, scope, out);
  } catch (...) {
    --call_depth_;
    throw;
  }
  --call_depth_;
  line_ = saved_line;
  return Value::string(std::move(out));
}

void Evaluator::exec_call_block(const CallBlockNode& node, const FramePtr& frame,
                                std::string& out) {
  const auto& call = static_cast<const CallExpr&>(*node.call);
  const Value callee = eval(*call.callee, frame);
  CallArgs args = eval_args(call.args, frame);
  line_ = node.line;
  args.keyword.emplace_back("caller", make_macro("caller", node.caller_params, node.body, frame));
  if (callee.is_undefined()) callee.fail_undefined();
  if (!callee.is(Value::Type::Callable))
    throw_type_error("'" + callee.type_name() + "' object is not callable");
  out += callee.as_callable().call(args).str();
}

}  // namespace atman::jinja
