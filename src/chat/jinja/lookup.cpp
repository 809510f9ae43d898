#include "lookup.hpp"

#include <vector>

#include "errors.hpp"
#include "methods.hpp"
#include "unicode.hpp"

namespace atman::jinja {
namespace {

// jinja2.utils.object_type_repr
std::string object_type_repr(const Value& v) {
  if (v.is_none()) return "None";
  if (v.is(Value::Type::Namespace)) return "jinja2.utils.Namespace object";
  return v.type_name() + " object";
}

Value missing_attribute(const Value& object, const std::string& name) {
  return Value::undefined("'" + object_type_repr(object) + "' has no attribute '" + name + "'");
}

Value missing_element(const Value& object, const Value& key) {
  return Value::undefined(object_type_repr(object) + " has no element " + key.repr());
}

// Python's index into a sequence of `length`: negative counts from the end; nullopt when outside.
std::optional<size_t> sequence_index(int64_t index, size_t length) {
  const int64_t n = static_cast<int64_t>(length);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return std::nullopt;
  return static_cast<size_t>(index);
}

Value bound_method(const Value& object, const std::string& name) {
  return Value::callable(
      name, [object, name](const CallArgs& args) { return call_method(object, name, args); });
}

}  // namespace

Value get_attribute(const Value& object, const std::string& name) {
  switch (object.type()) {
    case Value::Type::Undefined:
      object.fail_undefined();
    case Value::Type::Namespace: {
      const Value* v = object.as_namespace().attributes.find(name);
      return v != nullptr ? *v : missing_attribute(object, name);
    }
    case Value::Type::Dict: {
      if (has_method(object, name)) return bound_method(object, name);
      const Value* v = object.as_dict().find(name);
      return v != nullptr ? *v : missing_attribute(object, name);
    }
    default:
      if (has_method(object, name)) return bound_method(object, name);
      return missing_attribute(object, name);
  }
}

Value get_item(const Value& object, const Value& key) {
  switch (object.type()) {
    case Value::Type::Undefined:
      object.fail_undefined();
    case Value::Type::Dict: {
      const Value* v = object.as_dict().find(key);
      if (v != nullptr) return *v;
      break;
    }
    case Value::Type::List:
      if (key.is_integral()) {
        const auto i = sequence_index(key.as_int(), object.as_list().items.size());
        return i ? object.as_list().items[*i] : missing_element(object, key);
      }
      break;
    case Value::Type::String:
      if (key.is_integral()) {
        const std::u32string cps = to_code_points(object.as_string());
        const auto i = sequence_index(key.as_int(), cps.size());
        return i ? Value::string(to_utf8(cps.substr(*i, 1))) : missing_element(object, key);
      }
      break;
    default:
      break;
  }
  // Not an item: a string key may still name an attribute.
  if (key.is_string()) return get_attribute(object, key.as_string());
  return missing_element(object, key);
}

namespace {

std::optional<int64_t> slice_bound(const std::optional<Value>& v) {
  if (!v || v->is_none()) return std::nullopt;
  if (!v->is_integral())
    throw_type_error("slice indices must be integers or None or have an __index__ method");
  return v->as_int();
}

// The positions object[start:stop:step] picks from a sequence of `length` (PySlice_AdjustIndices).
std::vector<size_t> slice_positions(size_t length, std::optional<int64_t> start,
                                    std::optional<int64_t> stop, std::optional<int64_t> step_arg) {
  const int64_t step = step_arg.value_or(1);
  if (step == 0) throw_value_error("slice step cannot be zero");
  const int64_t n = static_cast<int64_t>(length);
  const int64_t lower = step > 0 ? 0 : -1;
  const int64_t upper = step > 0 ? n : n - 1;
  const auto adjust = [&](std::optional<int64_t> bound, int64_t fallback) {
    if (!bound) return fallback;
    int64_t b = *bound;
    if (b < 0) {
      b += n;
      if (b < lower) b = lower;
    } else if (b > upper) {
      b = upper;
    }
    return b;
  };
  const int64_t first = adjust(start, step > 0 ? lower : upper);
  const int64_t last = adjust(stop, step > 0 ? upper : lower);
  std::vector<size_t> positions;
  for (int64_t i = first; step > 0 ? i < last : i > last; i += step)
    positions.push_back(static_cast<size_t>(i));
  return positions;
}

}  // namespace

Value get_slice(const Value& object, const std::optional<Value>& start,
                const std::optional<Value>& stop, const std::optional<Value>& step) {
  // Jinja2 compiles a slice to plain Python subscription: its errors are not turned into Undefined.
  if (object.is_undefined()) object.fail_undefined();
  if (object.is(Value::Type::Dict)) throw_type_error("unhashable type: 'slice'");
  if (!object.is_string() && !object.is(Value::Type::List)) {
    throw_type_error("'" + object.type_name() + "' object is not subscriptable");
  }
  const std::optional<int64_t> start_index = slice_bound(start);
  const std::optional<int64_t> stop_index = slice_bound(stop);
  const std::optional<int64_t> step_value = slice_bound(step);
  if (object.is_string()) {
    const std::u32string cps = to_code_points(object.as_string());
    std::u32string out;
    for (size_t i : slice_positions(cps.size(), start_index, stop_index, step_value)) out += cps[i];
    return Value::string(to_utf8(out));
  }
  const List& list = object.as_list();
  std::vector<Value> items;
  for (size_t i : slice_positions(list.items.size(), start_index, stop_index, step_value))
    items.push_back(list.items[i]);
  return list.is_tuple ? Value::tuple(std::move(items)) : Value::list(std::move(items));
}

}  // namespace atman::jinja
