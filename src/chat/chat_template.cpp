#include "atman/chat_template.hpp"

#include "jinja/errors.hpp"
#include "jinja/evaluator.hpp"
#include "jinja/lexer.hpp"
#include "jinja/parser.hpp"
#include "jinja/template.hpp"

namespace atman {

ChatTemplate ChatTemplate::parse(const std::string& source, const std::string& name) {
  auto impl = std::make_shared<jinja::Template>();
  impl->name = name;
  impl->source = jinja::normalized_source(source);
  try {
    impl->body = jinja::parse_template(jinja::tokenize(impl->source));
  } catch (const jinja::SyntaxError& e) {
    throw Error(jinja::located_message(name, impl->source, e.line(),
                                       std::string("syntax error: ") + e.what()));
  }
  return ChatTemplate(std::move(impl));
}

std::string ChatTemplate::render(const nlohmann::ordered_json& context,
                                 const TemplateRenderOptions& options) const {
  jinja::Evaluator evaluator(*impl_, jinja::resolve_clock(options.now_epoch_seconds));
  try {
    return evaluator.render(context);
  } catch (const jinja::RenderError& e) {
    throw Error(
        jinja::located_message(impl_->name, impl_->source, evaluator.error_line(), e.what()));
  }
}

const std::string& ChatTemplate::name() const { return impl_->name; }

}  // namespace atman
