#include "globals.hpp"

#include <memory>

#include "atman/chat_template.hpp"
#include "call_args.hpp"
#include "errors.hpp"

namespace atman::jinja {
namespace {

// Jinja2's sandbox refuses ranges longer than this.
constexpr int64_t kMaxRange = 100000;

Value range(const CallArgs& args) {
  if (!args.keyword.empty()) throw_type_error("range() takes no keyword arguments");
  const auto& p = args.positional;
  if (p.empty() || p.size() > 3)
    throw_type_error("range expected 1 to 3 arguments, got " + std::to_string(p.size()));
  const int64_t start = p.size() == 1 ? 0 : integer_arg(p[0], "range() argument");
  const int64_t stop = integer_arg(p.size() == 1 ? p[0] : p[1], "range() argument");
  const int64_t step = p.size() == 3 ? integer_arg(p[2], "range() argument") : 1;
  if (step == 0) throw_value_error("range() arg 3 must not be zero");
  std::vector<Value> items;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (static_cast<int64_t>(items.size()) >= kMaxRange) {
      throw RenderError("OverflowError",
                        "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
    }
    items.push_back(Value::integer(i));
  }
  return Value::list(std::move(items));
}

// dict(*args, **kwargs): a mapping or (key, value) pairs, then the keywords.
Dict dict_of(const CallArgs& args, const std::string& function) {
  if (args.positional.size() > 1)
    throw_type_error(function + " expected at most 1 argument, got " +
                     std::to_string(args.positional.size()));
  Dict d;
  if (!args.positional.empty()) {
    const Value& source = args.positional[0];
    if (source.is_undefined()) source.fail_undefined();  // Python asks it for .keys() first
    if (source.is(Value::Type::Dict)) {
      d = source.as_dict();
    } else {
      for (const Value& pair : source.iterate()) {
        const std::vector<Value> kv = pair.iterate();
        if (kv.size() != 2)
          throw_value_error("dictionary update sequence element has length " +
                            std::to_string(kv.size()) + "; 2 is required");
        d.set(kv[0], kv[1]);
      }
    }
  }
  for (const auto& [key, value] : args.keyword) d.set(Value::string(key), value);
  return d;
}

}  // namespace

std::vector<std::pair<std::string, Value>> make_globals(const RenderClock& clock) {
  std::vector<std::pair<std::string, Value>> globals;
  globals.emplace_back("range", Value::callable("range", range));
  globals.emplace_back("dict", Value::callable("dict", [](const CallArgs& args) {
                         return Value::dict(dict_of(args, "dict"));
                       }));
  globals.emplace_back("namespace", Value::callable("namespace", [](const CallArgs& args) {
                         return Value::name_space(dict_of(args, "namespace"));
                       }));
  globals.emplace_back("joiner", Value::callable("joiner", [](const CallArgs& args) {
                         const BoundArgs a(args, {"sep"}, "joiner");
                         const std::string separator = a.get(0, Value::string(", ")).str();
                         auto used = std::make_shared<bool>(false);
                         return Value::callable("joiner", [separator, used](const CallArgs&) {
                           const bool first = !*used;
                           *used = true;
                           return Value::string(first ? "" : separator);
                         });
                       }));
  globals.emplace_back(
      "raise_exception", Value::callable("raise_exception", [](const CallArgs& args) -> Value {
        const BoundArgs a(args, {"message"}, "raise_exception");
        if (!a.has(0))
          throw_type_error("raise_exception() missing 1 required positional argument: 'message'");
        throw TemplateRaised(a[0]->str());
      }));
  globals.emplace_back(
      "strftime_now", Value::callable("strftime_now", [clock](const CallArgs& args) {
        const BoundArgs a(args, {"format"}, "strftime_now");
        if (!a.has(0))
          throw_type_error("strftime_now() missing 1 required positional argument: 'format'");
        return Value::string(python_strftime(string_arg(*a[0], "strftime_now() format"), clock));
      }));
  return globals;
}

}  // namespace atman::jinja
