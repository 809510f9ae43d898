#pragma once
// A context given as a list of documents (retrieved passages, stories, files) placed before the
// question, as a document template says. The prompt keeps where each document landed, so that
// units can tile each document and say which one they lie in.
#include <string>
#include <vector>

#include "atman/explain_input.hpp"

namespace atman {

// Each document is written as the template with {document} replaced by its text and {number} by
// its 1-based number; the question follows the last one.
inline constexpr const char* kDefaultDocumentTemplate = "{document}\n\n";

struct DocumentPrompt {
  std::string text;                     // the documents, then the question
  std::vector<DocumentSpan> documents;  // characters into `text`
  DocumentSpan question{-1, 0, 0};
};

// Throws atman::Error unless `document_template` holds {document} exactly once.
void check_document_template(const std::string& document_template);

// Throws atman::Error naming the problem: a template without exactly one {document}, an empty
// list, an empty or invalid UTF-8 document.
DocumentPrompt assemble_documents(const std::vector<std::string>& documents, const std::string& document_template,
                                  const std::string& question);

// Records `prompt`'s spans in `input`, shifted by `offset` characters (where prompt.text begins
// in input.prompt). Throws when the text there is not the document's (a chat template that
// rewrote it).
void place_documents(ExplainInput& input, const DocumentPrompt& prompt, int64_t offset);

}  // namespace atman
