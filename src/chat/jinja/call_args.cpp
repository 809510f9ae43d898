#include "call_args.hpp"

#include "errors.hpp"

namespace atman::jinja {

BoundArgs::BoundArgs(const CallArgs& args, const std::vector<const char*>& params,
                     const std::string& function)
    : values_(params.size()) {
  if (args.positional.size() > params.size()) {
    throw_type_error(function + "() takes at most " + std::to_string(params.size()) +
                     " argument(s) (" + std::to_string(args.positional.size()) + " given)");
  }
  for (size_t i = 0; i < args.positional.size(); ++i) values_[i] = args.positional[i];
  for (const auto& [name, value] : args.keyword) {
    size_t i = 0;
    while (i < params.size() && name != params[i]) ++i;
    if (i == params.size())
      throw_type_error(function + "() got an unexpected keyword argument '" + name + "'");
    if (values_[i])
      throw_type_error(function + "() got multiple values for argument '" + name + "'");
    values_[i] = value;
  }
}

int64_t integer_arg(const Value& v, const std::string& what) {
  if (!v.is_integral()) throw_type_error(what + " must be an integer, not '" + v.type_name() + "'");
  return v.as_int();
}

const std::string& string_arg(const Value& v, const std::string& what) {
  if (!v.is_string()) throw_type_error(what + " must be str, not " + v.type_name());
  return v.as_string();
}

}  // namespace atman::jinja
