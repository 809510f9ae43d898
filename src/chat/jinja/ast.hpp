#pragma once
// The parsed template: expressions and statements, each with the line it starts on.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "operators.hpp"
#include "value.hpp"

namespace atman::jinja {

enum class ExprKind {
  Literal,
  Name,
  List,
  Dict,
  GetAttr,
  GetItem,
  Slice,
  Call,
  Filter,
  Test,
  Not,
  Negate,
  Plus,
  And,
  Or,
  Arithmetic,
  Concat,
  Compare,
  Conditional
};

struct Expr {
  Expr(ExprKind k, int l) : kind(k), line(l) {}
  virtual ~Expr() = default;
  const ExprKind kind;
  const int line;
};
using ExprPtr = std::unique_ptr<Expr>;

struct Arguments {
  std::vector<ExprPtr> positional;
  std::vector<std::pair<std::string, ExprPtr>> keyword;
  ExprPtr star_args;    // f(*xs)
  ExprPtr star_kwargs;  // f(**d)
};

struct LiteralExpr : Expr {
  LiteralExpr(int l, Value v) : Expr(ExprKind::Literal, l), value(std::move(v)) {}
  Value value;
};
struct NameExpr : Expr {
  NameExpr(int l, std::string n) : Expr(ExprKind::Name, l), name(std::move(n)) {}
  std::string name;
};
struct ListExpr : Expr {
  ListExpr(int l, bool tuple) : Expr(ExprKind::List, l), is_tuple(tuple) {}
  std::vector<ExprPtr> items;
  bool is_tuple;
};
struct DictExpr : Expr {
  explicit DictExpr(int l) : Expr(ExprKind::Dict, l) {}
  std::vector<std::pair<ExprPtr, ExprPtr>> items;
};
struct GetAttrExpr : Expr {  // x.name
  GetAttrExpr(int l, ExprPtr o, std::string n)
      : Expr(ExprKind::GetAttr, l), object(std::move(o)), name(std::move(n)) {}
  ExprPtr object;
  std::string name;
};
struct GetItemExpr : Expr {  // x[i], x.0
  GetItemExpr(int l, ExprPtr o, ExprPtr i)
      : Expr(ExprKind::GetItem, l), object(std::move(o)), index(std::move(i)) {}
  ExprPtr object, index;
};
struct SliceExpr : Expr {  // x[start:stop:step]; absent parts are null
  SliceExpr(int l, ExprPtr o) : Expr(ExprKind::Slice, l), object(std::move(o)) {}
  ExprPtr object, start, stop, step;
};
struct CallExpr : Expr {
  CallExpr(int l, ExprPtr c) : Expr(ExprKind::Call, l), callee(std::move(c)) {}
  ExprPtr callee;
  Arguments args;
};
struct FilterExpr : Expr {  // operand | name(args); no operand in {% filter %} and {% set x | f %}
  FilterExpr(int l, ExprPtr o, std::string n)
      : Expr(ExprKind::Filter, l), operand(std::move(o)), name(std::move(n)) {}
  ExprPtr operand;
  std::string name;
  Arguments args;
};
struct TestExpr : Expr {  // operand is name(args)
  TestExpr(int l, ExprPtr o, std::string n)
      : Expr(ExprKind::Test, l), operand(std::move(o)), name(std::move(n)) {}
  ExprPtr operand;
  std::string name;
  Arguments args;
};
struct UnaryExpr : Expr {  // not, -, +
  UnaryExpr(ExprKind k, int l, ExprPtr o) : Expr(k, l), operand(std::move(o)) {}
  ExprPtr operand;
};
struct BinaryExpr : Expr {  // and, or, arithmetic
  BinaryExpr(ExprKind k, int l, ExprPtr a, ExprPtr b)
      : Expr(k, l), left(std::move(a)), right(std::move(b)) {}
  ExprPtr left, right;
  ArithmeticOp op = ArithmeticOp::Add;
};
struct ConcatExpr : Expr {  // a ~ b ~ c
  explicit ConcatExpr(int l) : Expr(ExprKind::Concat, l) {}
  std::vector<ExprPtr> operands;
};
struct CompareExpr : Expr {  // a < b <= c: chained as Python does
  CompareExpr(int l, ExprPtr f) : Expr(ExprKind::Compare, l), first(std::move(f)) {}
  ExprPtr first;
  std::vector<std::pair<CompareOp, ExprPtr>> rest;
};
struct ConditionalExpr : Expr {  // then_value if condition else else_value (else optional)
  explicit ConditionalExpr(int l) : Expr(ExprKind::Conditional, l) {}
  ExprPtr condition, then_value, else_value;
};

enum class NodeKind {
  Text,
  Output,
  If,
  For,
  Set,
  SetBlock,
  Macro,
  CallBlock,
  FilterBlock,
  With,
  Scope,
  Break,
  Continue
};

struct Node {
  Node(NodeKind k, int l) : kind(k), line(l) {}
  virtual ~Node() = default;
  const NodeKind kind;
  const int line;
};
using NodePtr = std::unique_ptr<Node>;
using Body = std::vector<NodePtr>;

// `x`, `a, b`, `ns.attr` (in set) or a mix: `ns.a, b`
struct AssignTarget {
  struct Element {
    std::string name;
    std::string attribute;  // not empty: `name` is a namespace and this its attribute
  };
  std::vector<Element> elements;
  bool is_tuple = false;
};

struct Parameter {
  std::string name;
  ExprPtr default_value;  // may be null
};

struct TextNode : Node {
  TextNode(int l, std::string t) : Node(NodeKind::Text, l), text(std::move(t)) {}
  std::string text;
};
struct OutputNode : Node {  // {{ value }}
  OutputNode(int l, ExprPtr v) : Node(NodeKind::Output, l), value(std::move(v)) {}
  ExprPtr value;
};
struct IfNode : Node {
  explicit IfNode(int l) : Node(NodeKind::If, l) {}
  std::vector<std::pair<ExprPtr, Body>> branches;  // if, then each elif
  Body else_body;
};
struct ForNode : Node {
  explicit ForNode(int l) : Node(NodeKind::For, l) {}
  AssignTarget target;
  ExprPtr iterable;
  ExprPtr filter;  // for x in xs if filter
  Body body, else_body;
};
struct SetNode : Node {
  explicit SetNode(int l) : Node(NodeKind::Set, l) {}
  AssignTarget target;
  ExprPtr value;
};
struct SetBlockNode : Node {  // {% set x | filter %}body{% endset %}
  explicit SetBlockNode(int l) : Node(NodeKind::SetBlock, l) {}
  AssignTarget target;
  ExprPtr filter;  // may be null
  Body body;
};
struct MacroNode : Node {
  explicit MacroNode(int l) : Node(NodeKind::Macro, l) {}
  std::string name;
  std::vector<Parameter> params;
  Body body;
};
struct CallBlockNode : Node {  // {% call(params) macro(args) %}body{% endcall %}
  explicit CallBlockNode(int l) : Node(NodeKind::CallBlock, l) {}
  std::vector<Parameter> caller_params;
  ExprPtr call;
  Body body;
};
struct FilterBlockNode : Node {  // {% filter f %}body{% endfilter %}
  explicit FilterBlockNode(int l) : Node(NodeKind::FilterBlock, l) {}
  ExprPtr filter;
  Body body;
};
struct WithNode : Node {
  explicit WithNode(int l) : Node(NodeKind::With, l) {}
  std::vector<std::pair<AssignTarget, ExprPtr>> assignments;
  Body body;
};
struct ScopeNode : Node {  // {% generation %}: renders its body as is
  explicit ScopeNode(int l) : Node(NodeKind::Scope, l) {}
  Body body;
};

}  // namespace atman::jinja
