#include "atman/documents.hpp"

#include "atman/error.hpp"
#include "atman/utf8.hpp"

namespace atman {
namespace {

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

constexpr const char* kPlaceholder = "{document}";

}  // namespace

void check_document_template(const std::string& document_template) {
  const size_t at = document_template.find(kPlaceholder);
  if (at == std::string::npos || document_template.find(kPlaceholder, at + 1) != std::string::npos) {
    throw Error("the document template (--document-template, or a record's \"document_template\") must hold "
                "{document} exactly once, got '" + document_template + "'");
  }
}

DocumentPrompt assemble_documents(const std::vector<std::string>& documents, const std::string& document_template,
                                  const std::string& question) {
  check_document_template(document_template);
  const std::string placeholder = kPlaceholder;
  const size_t at = document_template.find(placeholder);
  if (documents.empty()) throw Error("no documents given");
  DocumentPrompt out;
  int64_t chars = 0;
  for (size_t d = 0; d < documents.size(); ++d) {
    const std::string& doc = documents[d];
    const std::string what = "document " + std::to_string(d);
    if (doc.empty()) throw Error(what + " is empty");
    require_valid_utf8(doc, what);
    // The template's text around {document}, with {number} filled in (the document's own text is
    // never searched for placeholders).
    std::string before = document_template.substr(0, at), after = document_template.substr(at + placeholder.size());
    replace_all(before, "{number}", std::to_string(d + 1));
    replace_all(after, "{number}", std::to_string(d + 1));
    chars += count_code_points(before);
    const int64_t length = count_code_points(doc);
    out.documents.push_back({static_cast<int64_t>(d), chars, length});
    chars += length + count_code_points(after);
    out.text += before + doc + after;
  }
  out.question = {-1, chars, count_code_points(question)};
  out.text += question;
  return out;
}

void place_documents(ExplainInput& input, const DocumentPrompt& prompt, int64_t offset) {
  const std::u32string text = utf8_to_u32(input.prompt), expected = utf8_to_u32(prompt.text);
  auto shifted = [&](DocumentSpan span) {
    const bool inside = offset >= 0 && offset + span.start + span.length <= static_cast<int64_t>(text.size());
    if (!inside || text.compare(static_cast<size_t>(offset + span.start), static_cast<size_t>(span.length), expected,
                                static_cast<size_t>(span.start), static_cast<size_t>(span.length)) != 0) {
      const std::string what = span.document < 0 ? "the question" : "document " + std::to_string(span.document);
      throw Error(what + " is not where it was placed in the prompt (did the chat template rewrite it?)");
    }
    span.start += offset;
    return span;
  };
  input.documents.clear();
  for (const DocumentSpan& d : prompt.documents) input.documents.push_back(shifted(d));
  input.question = shifted(prompt.question);
}

}  // namespace atman
