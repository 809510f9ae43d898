#pragma once
// Renders a parsed template: expressions (evaluate_expression.cpp) and statements
// (execute_statements.cpp) over a chain of Frames whose root holds the globals.
#include <nlohmann/json.hpp>
#include <string>

#include "ast.hpp"
#include "call_args.hpp"
#include "frame.hpp"
#include "strftime.hpp"
#include "template.hpp"

namespace atman::jinja {

class Evaluator {
 public:
  Evaluator(const Template& tmpl, const RenderClock& clock);

  // Throws RenderError, or TemplateRaised from raise_exception; error_line() then tells where.
  std::string render(const nlohmann::ordered_json& context);
  int error_line() const { return line_; }

 private:
  enum class Flow { Normal, Break, Continue };

  // ---- expressions ----
  Value eval(const Expr& expr, const FramePtr& frame);
  Value lookup(const std::string& name, const FramePtr& frame) const;
  CallArgs eval_args(const Arguments& args, const FramePtr& frame);
  Value eval_call(const CallExpr& call, const FramePtr& frame);
  // `input` is the value a filter without operand applies to ({% filter %}, {% set x | f %}).
  Value eval_filter(const FilterExpr& filter, const FramePtr& frame, const Value* input);
  Value eval_compare(const CompareExpr& compare, const FramePtr& frame);

  // ---- statements ----
  Flow exec_body(const Body& body, const FramePtr& frame, std::string& out);
  Flow exec(const Node& node, const FramePtr& frame, std::string& out);
  void exec_for(const ForNode& node, const FramePtr& frame, std::string& out);
  void exec_call_block(const CallBlockNode& node, const FramePtr& frame, std::string& out);
  void assign(const AssignTarget& target, const Value& value, const FramePtr& frame);
  Value make_macro(const std::string& name, const std::vector<Parameter>& params, const Body& body,
                   const FramePtr& closure);
  Value call_macro(const std::string& name, const std::vector<Parameter>& params, const Body& body,
                   const FramePtr& closure, const CallArgs& args);

  const Template& template_;
  FramePtr globals_;
  int line_ = 0;
  int call_depth_ = 0;
};

}  // namespace atman::jinja
