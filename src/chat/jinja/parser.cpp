#include "parser.hpp"

#include <algorithm>

#include "errors.hpp"
#include "name_check.hpp"

namespace atman::jinja {
namespace {

class Parser {
 public:
  explicit Parser(const std::vector<Token>& tokens) : tokens_(tokens) {}

  Body parse() { return parse_body({}, nullptr); }

 private:
  // ---- token access -------------------------------------------------------------------------
  const Token& current() const { return tokens_[pos_]; }
  const Token& peek() const { return tokens_[std::min(pos_ + 1, tokens_.size() - 1)]; }
  void advance() {
    if (current().type != TokenType::End) ++pos_;
  }
  static bool is_operator(const Token& t, const char* op) {
    return t.type == TokenType::Operator && t.text == op;
  }
  static bool is_name(const Token& t, const char* name) {
    return t.type == TokenType::Name && t.text == name;
  }
  bool at_operator(const char* op) const { return is_operator(current(), op); }
  bool at_name(const char* name) const { return is_name(current(), name); }
  bool skip_operator(const char* op) {
    if (!at_operator(op)) return false;
    advance();
    return true;
  }
  bool skip_name(const char* name) {
    if (!at_name(name)) return false;
    advance();
    return true;
  }

  static std::string describe(const Token& t) {
    switch (t.type) {
      case TokenType::VariableEnd:
        return "end of print statement";
      case TokenType::BlockEnd:
        return "end of statement block";
      case TokenType::End:
        return "end of template";
      case TokenType::VariableBegin:
        return "'{{'";
      case TokenType::BlockBegin:
        return "'{%'";
      case TokenType::Text:
        return "template text";
      case TokenType::String:
        return "string literal";
      default:
        return "'" + t.text + "'";
    }
  }

  [[noreturn]] void fail(const std::string& message) const {
    throw SyntaxError(message, current().line);
  }

  // Bounds the nesting of blocks and the depth of expression trees, so that a hostile template
  // fails with a message instead of overflowing the stack (here or when it is rendered). A scope
  // restores the depth it started at; deeper() counts one more level.
  class DepthScope {
   public:
    explicit DepthScope(Parser& parser) : parser_(parser), saved_(parser.depth_) {}
    ~DepthScope() { parser_.depth_ = saved_; }
    DepthScope(const DepthScope&) = delete;
    DepthScope& operator=(const DepthScope&) = delete;
    void deeper() {
      if (++parser_.depth_ > kMaxNesting)
        parser_.fail("the template nests blocks or expressions too deeply");
    }

   private:
    Parser& parser_;
    const int saved_;
  };
  static constexpr int kMaxNesting = 400;

  void expect_operator(const char* op) {
    if (!skip_operator(op)) fail(std::string("expected '") + op + "', got " + describe(current()));
  }
  std::string expect_name() {
    if (current().type != TokenType::Name) fail("expected a name, got " + describe(current()));
    std::string name = current().text;
    advance();
    return name;
  }
  void expect_name(const char* name) {
    if (!skip_name(name)) fail(std::string("expected '") + name + "', got " + describe(current()));
  }
  void expect_block_end() {
    if (current().type != TokenType::BlockEnd)
      fail("expected end of statement block ('%}'), got " + describe(current()));
    advance();
  }
  // Where a body starts: Jinja2 accepts a Python-style ':' before the '%}'.
  void expect_body_start() {
    skip_operator(":");
    expect_block_end();
  }

  // ---- statements ---------------------------------------------------------------------------
  struct OpenBlock {
    const char* tag;
    int line;
  };

  static std::string tag_list(const std::vector<std::string>& tags) {
    std::string out;
    for (size_t i = 0; i < tags.size(); ++i) {
      out += (i == 0 ? "'" : i + 1 == tags.size() ? " or '" : ", '") + tags[i] + "'";
    }
    return out;
  }

  // Nodes up to a block tag named in `end_tags`; returns with the tag's name as current().
  Body parse_body(const std::vector<std::string>& end_tags, const OpenBlock* block) {
    Body body;
    while (true) {
      const Token& t = current();
      switch (t.type) {
        case TokenType::Text:
          body.push_back(std::make_unique<TextNode>(t.line, t.text));
          advance();
          break;
        case TokenType::VariableBegin: {
          advance();
          const int line = current().line;
          ExprPtr value = parse_tuple(true, false);
          if (current().type != TokenType::VariableEnd)
            fail("expected end of print statement ('}}'), got " + describe(current()));
          advance();
          body.push_back(std::make_unique<OutputNode>(line, std::move(value)));
          break;
        }
        case TokenType::BlockBegin: {
          const Token& name = peek();
          if (name.type == TokenType::Name &&
              std::find(end_tags.begin(), end_tags.end(), name.text) != end_tags.end()) {
            advance();
            return body;
          }
          advance();
          body.push_back(parse_statement(end_tags, block));
          break;
        }
        case TokenType::End:
          if (block != nullptr) {
            fail("unexpected end of template: the '" + std::string(block->tag) +
                 "' block opened on line " + std::to_string(block->line) +
                 " is not closed (expected " + tag_list(end_tags) + ")");
          }
          return body;
        default:
          fail("unexpected " + describe(t));
      }
    }
  }

  NodePtr parse_statement(const std::vector<std::string>& end_tags, const OpenBlock* block) {
    DepthScope depth(*this);
    depth.deeper();
    if (current().type != TokenType::Name) fail("expected a tag name, got " + describe(current()));
    const std::string tag = current().text;
    const int line = current().line;
    if (tag == "if") return parse_if(line);
    if (tag == "for") return parse_for(line);
    if (tag == "set") return parse_set(line);
    if (tag == "macro") return parse_macro(line);
    if (tag == "call") return parse_call_block(line);
    if (tag == "filter") return parse_filter_block(line);
    if (tag == "with") return parse_with(line);
    if (tag == "generation") return parse_generation(line);
    if (tag == "break" || tag == "continue") {
      if (loop_depth_ == 0) fail("'" + tag + "' outside of a loop");
      advance();
      expect_block_end();
      return std::make_unique<Node>(tag == "break" ? NodeKind::Break : NodeKind::Continue, line);
    }
    if (block != nullptr) {
      fail("encountered unknown tag '" + tag + "'; expected " + tag_list(end_tags) +
           " to close the '" + block->tag + "' block opened on line " +
           std::to_string(block->line));
    }
    fail("encountered unknown tag '" + tag + "'");
  }

  NodePtr parse_if(int line) {
    auto node = std::make_unique<IfNode>(line);
    const OpenBlock block{"if", line};
    advance();
    ExprPtr condition = parse_tuple(false, false);
    while (true) {
      expect_body_start();
      Body body = parse_body({"elif", "else", "endif"}, &block);
      node->branches.emplace_back(std::move(condition), std::move(body));
      if (skip_name("elif")) {
        condition = parse_tuple(false, false);
        continue;
      }
      if (skip_name("else")) {
        expect_body_start();
        node->else_body = parse_body({"endif"}, &block);
      }
      expect_name("endif");
      expect_block_end();
      return node;
    }
  }

  NodePtr parse_for(int line) {
    auto node = std::make_unique<ForNode>(line);
    const OpenBlock block{"for", line};
    advance();
    node->target = parse_assign_target(false);
    expect_name("in");
    node->iterable = parse_tuple(false, false);
    if (skip_name("if")) node->filter = parse_expression();
    if (at_name("recursive")) fail("recursive loops are not supported");
    expect_body_start();
    ++loop_depth_;
    node->body = parse_body({"endfor", "else"}, &block);
    --loop_depth_;
    if (skip_name("else")) {
      expect_body_start();
      node->else_body = parse_body({"endfor"}, &block);
    }
    expect_name("endfor");
    expect_block_end();
    return node;
  }

  NodePtr parse_set(int line) {
    advance();
    AssignTarget target = parse_assign_target(true);
    if (skip_operator("=")) {
      auto node = std::make_unique<SetNode>(line);
      node->target = std::move(target);
      node->value = parse_tuple(true, false);
      expect_block_end();
      return node;
    }
    auto node = std::make_unique<SetBlockNode>(line);
    node->target = std::move(target);
    if (at_operator("|")) node->filter = parse_filter(nullptr, false);
    expect_body_start();
    const OpenBlock block{"set", line};
    node->body = parse_body({"endset"}, &block);
    expect_name("endset");
    expect_block_end();
    return node;
  }

  NodePtr parse_macro(int line) {
    auto node = std::make_unique<MacroNode>(line);
    const OpenBlock block{"macro", line};
    advance();
    node->name = expect_name();
    node->params = parse_signature();
    expect_body_start();
    const int saved_depth = loop_depth_;
    loop_depth_ = 0;
    node->body = parse_body({"endmacro"}, &block);
    loop_depth_ = saved_depth;
    expect_name("endmacro");
    expect_block_end();
    return node;
  }

  NodePtr parse_call_block(int line) {
    auto node = std::make_unique<CallBlockNode>(line);
    const OpenBlock block{"call", line};
    advance();
    if (at_operator("(")) node->caller_params = parse_signature();
    node->call = parse_expression();
    if (node->call->kind != ExprKind::Call) fail("expected a call after 'call'");
    expect_body_start();
    const int saved_depth = loop_depth_;
    loop_depth_ = 0;
    node->body = parse_body({"endcall"}, &block);
    loop_depth_ = saved_depth;
    expect_name("endcall");
    expect_block_end();
    return node;
  }

  NodePtr parse_filter_block(int line) {
    auto node = std::make_unique<FilterBlockNode>(line);
    const OpenBlock block{"filter", line};
    advance();
    node->filter = parse_filter(nullptr, true);
    expect_body_start();
    node->body = parse_body({"endfilter"}, &block);
    expect_name("endfilter");
    expect_block_end();
    return node;
  }

  NodePtr parse_with(int line) {
    auto node = std::make_unique<WithNode>(line);
    const OpenBlock block{"with", line};
    advance();
    while (current().type != TokenType::BlockEnd) {
      if (!node->assignments.empty()) expect_operator(",");
      AssignTarget target = parse_assign_target(false);
      expect_operator("=");
      node->assignments.emplace_back(std::move(target), parse_expression());
    }
    expect_body_start();
    node->body = parse_body({"endwith"}, &block);
    expect_name("endwith");
    expect_block_end();
    return node;
  }

  NodePtr parse_generation(int line) {
    auto node = std::make_unique<ScopeNode>(line);
    const OpenBlock block{"generation", line};
    advance();
    expect_body_start();
    node->body = parse_body({"endgeneration"}, &block);
    expect_name("endgeneration");
    expect_block_end();
    return node;
  }

  std::string assignable_name() {
    static const char* const kConstants[] = {"true", "false", "none", "True", "False", "None"};
    const std::string name = expect_name();
    for (const char* constant : kConstants) {
      if (name == constant) fail("cannot assign to '" + name + "'");
    }
    return name;
  }

  // `x`, `a, b`, `(a, b)`; in a set also `ns.attr` elements. A trailing comma is allowed only
  // before '%}' or ')': Jinja2 3.1 never matches its end rule ('in') there.
  AssignTarget parse_assign_target(bool allow_namespace) {
    AssignTarget target;
    const bool parenthesized = skip_operator("(");
    while (true) {
      AssignTarget::Element element;
      if (allow_namespace && current().type == TokenType::Name && is_operator(peek(), ".")) {
        element.name = expect_name();
        advance();
        element.attribute = expect_name();
      } else {
        element.name = assignable_name();
      }
      target.elements.push_back(std::move(element));
      if (!skip_operator(",")) break;
      target.is_tuple = true;
      if (at_operator(")") || current().type == TokenType::BlockEnd) break;
    }
    if (parenthesized) {
      expect_operator(")");
      target.is_tuple = true;
    }
    return target;
  }

  std::vector<Parameter> parse_signature() {
    std::vector<Parameter> params;
    expect_operator("(");
    while (!at_operator(")")) {
      if (!params.empty()) expect_operator(",");
      Parameter p;
      p.name = assignable_name();
      if (skip_operator("="))
        p.default_value = parse_expression();
      else if (!params.empty() && params.back().default_value)
        fail("non-default argument follows default argument");
      params.push_back(std::move(p));
    }
    advance();
    return params;
  }

  // ---- expressions --------------------------------------------------------------------------
  // Jinja2 3.1 ends a tuple at '}}', '%}' or ')' only: its extra end rules ('in', 'recursive')
  // never match, so `for a, in xs` is the error it is there.
  bool at_tuple_end() const {
    const TokenType t = current().type;
    return t == TokenType::VariableEnd || t == TokenType::BlockEnd || t == TokenType::End ||
           at_operator(")");
  }

  // Comma-separated expressions: one is itself, several (or a trailing comma) a tuple.
  ExprPtr parse_tuple(bool with_conditional, bool explicit_parentheses) {
    const int line = current().line;
    std::vector<ExprPtr> items;
    bool is_tuple = false;
    while (true) {
      if (!items.empty()) expect_operator(",");
      if (at_tuple_end()) break;
      items.push_back(with_conditional ? parse_expression() : parse_or());
      if (at_operator(","))
        is_tuple = true;
      else
        break;
    }
    if (!is_tuple) {
      if (!items.empty()) return std::move(items[0]);
      if (!explicit_parentheses) fail("expected an expression, got " + describe(current()));
    }
    auto tuple = std::make_unique<ListExpr>(line, true);
    tuple->items = std::move(items);
    return tuple;
  }

  ExprPtr parse_expression() {
    DepthScope depth(*this);
    ExprPtr expr = parse_or();
    while (at_name("if")) {
      depth.deeper();
      auto conditional = std::make_unique<ConditionalExpr>(current().line);
      advance();
      conditional->then_value = std::move(expr);
      conditional->condition = parse_or();
      if (skip_name("else")) conditional->else_value = parse_expression();
      expr = std::move(conditional);
    }
    return expr;
  }

  ExprPtr parse_or() {
    DepthScope depth(*this);
    ExprPtr left = parse_and();
    while (at_name("or")) {
      depth.deeper();
      const int line = current().line;
      advance();
      left = std::make_unique<BinaryExpr>(ExprKind::Or, line, std::move(left), parse_and());
    }
    return left;
  }

  ExprPtr parse_and() {
    DepthScope depth(*this);
    ExprPtr left = parse_not();
    while (at_name("and")) {
      depth.deeper();
      const int line = current().line;
      advance();
      left = std::make_unique<BinaryExpr>(ExprKind::And, line, std::move(left), parse_not());
    }
    return left;
  }

  ExprPtr parse_not() {
    DepthScope depth(*this);
    depth.deeper();
    if (at_name("not")) {
      const int line = current().line;
      advance();
      return std::make_unique<UnaryExpr>(ExprKind::Not, line, parse_not());
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    const int line = current().line;
    ExprPtr first = parse_math1();
    std::vector<std::pair<CompareOp, ExprPtr>> rest;
    static const std::pair<const char*, CompareOp> kOperators[] = {
        {"==", CompareOp::Equal},     {"!=", CompareOp::NotEqual}, {"<", CompareOp::Less},
        {"<=", CompareOp::LessEqual}, {">", CompareOp::Greater},   {">=", CompareOp::GreaterEqual}};
    while (true) {
      bool matched = false;
      for (const auto& [symbol, op] : kOperators) {
        if (at_operator(symbol)) {
          advance();
          rest.emplace_back(op, parse_math1());
          matched = true;
          break;
        }
      }
      if (matched) continue;
      if (skip_name("in")) {
        rest.emplace_back(CompareOp::In, parse_math1());
      } else if (at_name("not") && is_name(peek(), "in")) {
        advance();
        advance();
        rest.emplace_back(CompareOp::NotIn, parse_math1());
      } else {
        break;
      }
    }
    if (rest.empty()) return first;
    auto compare = std::make_unique<CompareExpr>(line, std::move(first));
    compare->rest = std::move(rest);
    return compare;
  }

  ExprPtr arithmetic(ArithmeticOp op, int line, ExprPtr left, ExprPtr right) {
    auto node =
        std::make_unique<BinaryExpr>(ExprKind::Arithmetic, line, std::move(left), std::move(right));
    node->op = op;
    return node;
  }

  ExprPtr parse_math1() {
    DepthScope depth(*this);
    ExprPtr left = parse_concat();
    while (at_operator("+") || at_operator("-")) {
      depth.deeper();
      const ArithmeticOp op = at_operator("+") ? ArithmeticOp::Add : ArithmeticOp::Subtract;
      const int line = current().line;
      advance();
      left = arithmetic(op, line, std::move(left), parse_concat());
    }
    return left;
  }

  ExprPtr parse_concat() {
    const int line = current().line;
    ExprPtr first = parse_math2();
    if (!at_operator("~")) return first;
    auto concat = std::make_unique<ConcatExpr>(line);
    concat->operands.push_back(std::move(first));
    while (skip_operator("~")) concat->operands.push_back(parse_math2());
    return concat;
  }

  ExprPtr parse_math2() {
    DepthScope depth(*this);
    ExprPtr left = parse_pow();
    while (true) {
      ArithmeticOp op;
      if (at_operator("*"))
        op = ArithmeticOp::Multiply;
      else if (at_operator("/"))
        op = ArithmeticOp::TrueDivide;
      else if (at_operator("//"))
        op = ArithmeticOp::FloorDivide;
      else if (at_operator("%"))
        op = ArithmeticOp::Modulo;
      else
        return left;
      depth.deeper();
      const int line = current().line;
      advance();
      left = arithmetic(op, line, std::move(left), parse_pow());
    }
  }

  ExprPtr parse_pow() {
    DepthScope depth(*this);
    ExprPtr left = parse_unary(true);
    while (at_operator("**")) {
      depth.deeper();
      const int line = current().line;
      advance();
      left = arithmetic(ArithmeticOp::Power, line, std::move(left), parse_unary(true));
    }
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    DepthScope depth(*this);
    depth.deeper();
    const int line = current().line;
    ExprPtr node;
    if (skip_operator("-"))
      node = std::make_unique<UnaryExpr>(ExprKind::Negate, line, parse_unary(false));
    else if (skip_operator("+"))
      node = std::make_unique<UnaryExpr>(ExprKind::Plus, line, parse_unary(false));
    else
      node = parse_primary();
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
  }

  ExprPtr parse_primary() {
    const Token& t = current();
    const int line = t.line;
    switch (t.type) {
      case TokenType::Name: {
        const std::string name = t.text;
        advance();
        if (name == "true" || name == "True")
          return std::make_unique<LiteralExpr>(line, Value::boolean(true));
        if (name == "false" || name == "False")
          return std::make_unique<LiteralExpr>(line, Value::boolean(false));
        if (name == "none" || name == "None")
          return std::make_unique<LiteralExpr>(line, Value::none());
        return std::make_unique<NameExpr>(line, name);
      }
      case TokenType::String: {
        std::string text;
        while (current().type == TokenType::String) {  // adjacent literals join, as in Python
          text += current().text;
          advance();
        }
        return std::make_unique<LiteralExpr>(line, Value::string(std::move(text)));
      }
      case TokenType::Integer: {
        const int64_t value = t.integer;
        advance();
        return std::make_unique<LiteralExpr>(line, Value::integer(value));
      }
      case TokenType::Float: {
        const double value = t.number;
        advance();
        return std::make_unique<LiteralExpr>(line, Value::number(value));
      }
      default:
        break;
    }
    if (skip_operator("(")) {
      ExprPtr inner = parse_tuple(true, true);
      expect_operator(")");
      return inner;
    }
    if (skip_operator("[")) {
      auto list = std::make_unique<ListExpr>(line, false);
      while (!at_operator("]")) {
        if (!list->items.empty()) expect_operator(",");
        if (at_operator("]")) break;
        list->items.push_back(parse_expression());
      }
      advance();
      return list;
    }
    if (skip_operator("{")) {
      auto dict = std::make_unique<DictExpr>(line);
      while (!at_operator("}")) {
        if (!dict->items.empty()) expect_operator(",");
        if (at_operator("}")) break;
        ExprPtr key = parse_expression();
        expect_operator(":");
        dict->items.emplace_back(std::move(key), parse_expression());
      }
      advance();
      return dict;
    }
    fail("unexpected " + describe(t));
  }

  ExprPtr parse_postfix(ExprPtr node) {
    DepthScope depth(*this);
    while (true) {
      depth.deeper();
      const int line = current().line;
      if (skip_operator(".")) {
        if (current().type == TokenType::Name) {
          node = std::make_unique<GetAttrExpr>(line, std::move(node), current().text);
        } else if (current().type == TokenType::Integer) {
          node = std::make_unique<GetItemExpr>(
              line, std::move(node),
              std::make_unique<LiteralExpr>(line, Value::integer(current().integer)));
        } else {
          fail("expected an attribute name after '.', got " + describe(current()));
        }
        advance();
      } else if (skip_operator("[")) {
        node = parse_subscript(line, std::move(node));
      } else if (at_operator("(")) {
        node = parse_call(line, std::move(node));
      } else {
        return node;
      }
    }
  }

  // After '[': x[i], x[start:stop:step], or a tuple key x[a, b] / x[].
  ExprPtr parse_subscript(int line, ExprPtr object) {
    ExprPtr start;
    if (!at_operator(":")) {
      if (!at_operator("]")) start = parse_expression();
      if (!start || at_operator(","))
        return std::make_unique<GetItemExpr>(line, std::move(object),
                                             parse_tuple_key(line, std::move(start)));
      if (skip_operator("]"))
        return std::make_unique<GetItemExpr>(line, std::move(object), std::move(start));
    }
    expect_operator(":");
    auto slice = std::make_unique<SliceExpr>(line, std::move(object));
    slice->start = std::move(start);
    if (!at_operator(":") && !at_operator("]")) slice->stop = parse_expression();
    if (skip_operator(":") && !at_operator("]")) slice->step = parse_expression();
    expect_operator("]");
    return slice;
  }

  // The rest of x[a, b, ...] (or x[]) after its first element, if any: a tuple.
  ExprPtr parse_tuple_key(int line, ExprPtr first) {
    auto key = std::make_unique<ListExpr>(line, true);
    if (first) key->items.push_back(std::move(first));
    while (skip_operator(","))
      key->items.push_back(parse_expression());  // no trailing comma, as in Jinja2
    expect_operator("]");
    return key;
  }

  Arguments parse_call_args() {
    Arguments args;
    const int line = current().line;
    expect_operator("(");
    // Python's order: positional, *args, keywords, **kwargs.
    const auto ensure = [&](bool ok) {
      if (!ok) throw SyntaxError("invalid syntax for function call expression", line);
    };
    bool need_comma = false;
    while (!at_operator(")")) {
      if (need_comma) {
        expect_operator(",");
        if (at_operator(")")) break;
      }
      if (skip_operator("*")) {
        ensure(!args.star_args && !args.star_kwargs);
        args.star_args = parse_expression();
      } else if (skip_operator("**")) {
        ensure(!args.star_kwargs);
        args.star_kwargs = parse_expression();
      } else if (current().type == TokenType::Name && is_operator(peek(), "=")) {
        ensure(!args.star_kwargs);
        std::string key = current().text;
        for (const auto& [existing, value] : args.keyword) {
          if (existing == key) throw SyntaxError("keyword argument repeated: " + key, line);
        }
        advance();
        advance();
        args.keyword.emplace_back(std::move(key), parse_expression());
      } else {
        ensure(!args.star_args && !args.star_kwargs && args.keyword.empty());
        args.positional.push_back(parse_expression());
      }
      need_comma = true;
    }
    advance();
    return args;
  }

  ExprPtr parse_call(int line, ExprPtr callee) {
    auto call = std::make_unique<CallExpr>(line, std::move(callee));
    call->args = parse_call_args();
    return call;
  }

  ExprPtr parse_filter_expr(ExprPtr node) {
    DepthScope depth(*this);
    while (true) {
      depth.deeper();
      if (at_operator("|"))
        node = parse_filter(std::move(node), false);
      else if (at_name("is"))
        node = parse_test(std::move(node));
      else if (at_operator("("))
        node = parse_call(current().line, std::move(node));
      else
        return node;
    }
  }

  std::string dotted_name() {
    std::string name = expect_name();
    while (skip_operator(".")) name += "." + expect_name();
    return name;
  }

  // `| name(args) | ...`; with `inline_first` the first filter has no '|' ({% filter %}).
  ExprPtr parse_filter(ExprPtr node, bool inline_first) {
    DepthScope depth(*this);
    while (inline_first || at_operator("|")) {
      depth.deeper();
      if (!inline_first) advance();
      inline_first = false;
      const int line = current().line;
      const std::string name = dotted_name();
      auto filter = std::make_unique<FilterExpr>(line, std::move(node), name);
      if (at_operator("(")) filter->args = parse_call_args();
      node = std::move(filter);
    }
    return node;
  }

  ExprPtr parse_test(ExprPtr node) {
    const int line = current().line;
    advance();  // 'is'
    const bool negated = skip_name("not");
    const std::string name = dotted_name();
    auto test = std::make_unique<TestExpr>(line, std::move(node), name);
    const Token& t = current();
    const bool starts_argument = t.type == TokenType::Name || t.type == TokenType::String ||
                                 t.type == TokenType::Integer || t.type == TokenType::Float ||
                                 at_operator("[") || at_operator("{");
    if (at_operator("(")) {
      test->args = parse_call_args();
    } else if (starts_argument && !at_name("else") && !at_name("or") && !at_name("and")) {
      // `x is divisibleby 3`: one argument without parentheses.
      if (at_name("is")) fail("you cannot chain multiple tests with 'is'");
      test->args.positional.push_back(parse_postfix(parse_primary()));
    }
    if (negated) return std::make_unique<UnaryExpr>(ExprKind::Not, line, std::move(test));
    return test;
  }

  const std::vector<Token>& tokens_;
  size_t pos_ = 0;
  int loop_depth_ = 0;
  int depth_ = 0;
};

}  // namespace

Body parse_template(const std::vector<Token>& tokens) {
  Body body = Parser(tokens).parse();
  check_filter_and_test_names(body);
  return body;
}

}  // namespace atman::jinja
