#pragma once
// Python's two string formatting mini-languages, for `"%s" % x`, the format filter and
// str.format(). The common conversions only: s r d i f F e E g G x X o c %, width, precision,
// flags, fill and alignment.
#include <string>
#include <utility>
#include <vector>

#include "value.hpp"

namespace atman::jinja {

// format % args: a tuple gives the positional values, a dict the %(name)s ones, anything else is
// the single value.
std::string percent_format(const std::string& format, const Value& args);
// format.format(*positional, **keyword)
std::string brace_format(const std::string& format, const std::vector<Value>& positional,
                         const std::vector<std::pair<std::string, Value>>& keyword);

}  // namespace atman::jinja
