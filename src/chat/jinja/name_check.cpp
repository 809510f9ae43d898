#include "name_check.hpp"

#include "errors.hpp"
#include "filters.hpp"
#include "value_tests.hpp"

namespace atman::jinja {
namespace {

// Walks the tree with Jinja2's notion of a "soft" frame: an if statement (condition and branches)
// and an inline if are soft; the bodies of for, macro, call, filter, with and block set are not.
class NameChecker {
 public:
  void body(const Body& nodes, bool soft) {
    for (const auto& node : nodes) statement(*node, soft);
  }

 private:
  template <typename T>
  static const T& as(const Node& n) {
    return static_cast<const T&>(n);
  }
  template <typename T>
  static const T& as(const Expr& e) {
    return static_cast<const T&>(e);
  }

  void statement(const Node& node, bool soft) {
    switch (node.kind) {
      case NodeKind::Output:
        expr(as<OutputNode>(node).value.get(), soft);
        break;
      case NodeKind::If:
        for (const auto& [condition, branch] : as<IfNode>(node).branches) {
          expr(condition.get(), true);
          body(branch, true);
        }
        body(as<IfNode>(node).else_body, true);
        break;
      case NodeKind::For: {
        const auto& f = as<ForNode>(node);
        expr(f.iterable.get(), soft);
        expr(f.filter.get(), false);
        body(f.body, false);
        body(f.else_body, false);
        break;
      }
      case NodeKind::Set:
        expr(as<SetNode>(node).value.get(), soft);
        break;
      case NodeKind::SetBlock:
        expr(as<SetBlockNode>(node).filter.get(), false);
        body(as<SetBlockNode>(node).body, false);
        break;
      case NodeKind::Macro:
        for (const auto& p : as<MacroNode>(node).params) expr(p.default_value.get(), false);
        body(as<MacroNode>(node).body, false);
        break;
      case NodeKind::CallBlock:
        expr(as<CallBlockNode>(node).call.get(), soft);
        body(as<CallBlockNode>(node).body, false);
        break;
      case NodeKind::FilterBlock:
        expr(as<FilterBlockNode>(node).filter.get(), false);
        body(as<FilterBlockNode>(node).body, false);
        break;
      case NodeKind::With:
        for (const auto& [target, value] : as<WithNode>(node).assignments) expr(value.get(), false);
        body(as<WithNode>(node).body, false);
        break;
      case NodeKind::Scope:
        body(as<ScopeNode>(node).body, soft);
        break;
      default:
        break;
    }
  }

  void args(const Arguments& a, bool soft) {
    for (const auto& e : a.positional) expr(e.get(), soft);
    for (const auto& [name, e] : a.keyword) expr(e.get(), soft);
    expr(a.star_args.get(), soft);
    expr(a.star_kwargs.get(), soft);
  }

  void expr(const Expr* e, bool soft) {
    if (e == nullptr) return;
    switch (e->kind) {
      case ExprKind::List:
        for (const auto& item : as<ListExpr>(*e).items) expr(item.get(), soft);
        break;
      case ExprKind::Dict:
        for (const auto& [key, value] : as<DictExpr>(*e).items) {
          expr(key.get(), soft);
          expr(value.get(), soft);
        }
        break;
      case ExprKind::GetAttr:
        expr(as<GetAttrExpr>(*e).object.get(), soft);
        break;
      case ExprKind::GetItem:
        expr(as<GetItemExpr>(*e).object.get(), soft);
        expr(as<GetItemExpr>(*e).index.get(), soft);
        break;
      case ExprKind::Slice: {
        const auto& s = as<SliceExpr>(*e);
        for (const Expr* part : {s.object.get(), s.start.get(), s.stop.get(), s.step.get()})
          expr(part, soft);
        break;
      }
      case ExprKind::Call:
        expr(as<CallExpr>(*e).callee.get(), soft);
        args(as<CallExpr>(*e).args, soft);
        break;
      case ExprKind::Filter: {
        const auto& f = as<FilterExpr>(*e);
        if (!soft && !has_filter(f.name))
          throw SyntaxError("no filter named '" + f.name + "'", e->line);
        expr(f.operand.get(), soft);
        args(f.args, soft);
        break;
      }
      case ExprKind::Test: {
        const auto& t = as<TestExpr>(*e);
        if (!soft && !has_test(t.name))
          throw SyntaxError("no test named '" + t.name + "'", e->line);
        expr(t.operand.get(), soft);
        args(t.args, soft);
        break;
      }
      case ExprKind::Not:
      case ExprKind::Negate:
      case ExprKind::Plus:
        expr(as<UnaryExpr>(*e).operand.get(), soft);
        break;
      case ExprKind::And:
      case ExprKind::Or:
      case ExprKind::Arithmetic:
        expr(as<BinaryExpr>(*e).left.get(), soft);
        expr(as<BinaryExpr>(*e).right.get(), soft);
        break;
      case ExprKind::Concat:
        for (const auto& operand : as<ConcatExpr>(*e).operands) expr(operand.get(), soft);
        break;
      case ExprKind::Compare:
        expr(as<CompareExpr>(*e).first.get(), soft);
        for (const auto& [op, operand] : as<CompareExpr>(*e).rest) expr(operand.get(), soft);
        break;
      case ExprKind::Conditional: {
        const auto& c = as<ConditionalExpr>(*e);
        for (const Expr* part : {c.condition.get(), c.then_value.get(), c.else_value.get()})
          expr(part, true);
        break;
      }
      default:
        break;
    }
  }
};

}  // namespace

void check_filter_and_test_names(const Body& body) { NameChecker().body(body, false); }

}  // namespace atman::jinja
