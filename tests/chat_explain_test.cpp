// Chat prompts on a model with a real ChatML tokenizer and template (Qwen2's tokenizer.json and
// tokenizer_config.json from ../shared/fixtures/tokenizers): units only ever cover message
// contents, and --generate explains exactly the ids greedy decoding produces.
#include "atman/chat_prompt.hpp"

#include <fstream>

#include <nlohmann/json.hpp>

#include "atman/checkpoint.hpp"
#include "atman/explain.hpp"
#include "atman/explain_request.hpp"
#include "atman/utf8.hpp"
#include "atman/random_init.hpp"
#include "support/test_support.hpp"

namespace atman::test {
namespace {

const std::filesystem::path kQwenTokenizer = std::filesystem::path(ATMAN_SHARED_FIXTURES_DIR) / "tokenizers" / "qwen2";

// A tiny random qwen2 transformer over Qwen2's 151936-entry vocabulary, with its tokenizer.
std::filesystem::path write_chatml_model(const std::filesystem::path& dir) {
  ModelConfig c = tiny_config();
  c.model_type = "qwen2";
  c.qkv_bias = true;
  c.vocab_size = 151936;
  c.max_position_embeddings = 256;
  c.bos_token_id = -1;
  c.eos_token_id = 151645;  // <|im_end|>
  c.tie_word_embeddings = true;
  TransformerWeights w = random_weights(c, 3, 0.5);
  for (auto& layer : w.layers) {
    layer.q_bias = torch::zeros({c.num_attention_heads * c.head_dim});
    layer.k_bias = torch::zeros({c.num_key_value_heads * c.head_dim});
    layer.v_bias = torch::zeros({c.num_key_value_heads * c.head_dim});
  }
  save_checkpoint(dir, c, w);
  for (const char* file : {"tokenizer.json", "tokenizer_config.json"}) {
    std::filesystem::copy_file(kQwenTokenizer / file, dir / file, std::filesystem::copy_options::overwrite_existing);
  }
  return dir;
}

class ChatExplainTest : public SeededTest {
 protected:
  void SetUp() override {
    ATMAN_REQUIRE_FIXTURE(kQwenTokenizer / "tokenizer_config.json");
    model = std::make_unique<Model>(load_model(write_chatml_model(tmp.path())));
  }
  TempDir tmp;
  std::unique_ptr<Model> model;
  const nlohmann::ordered_json conversation = conversation_of("Answer briefly.", "What is the capital of France?");
};

TEST_F(ChatExplainTest, UnitsCoverMessageContentsAndNeverTemplateTokens) {
  const ChatRenderer renderer = ChatRenderer::for_model(model->dir, {});
  const ChatPrompt chat = renderer.render(conversation);
  EXPECT_EQ(chat.text,
            "<|im_start|>system\nAnswer briefly.<|im_end|>\n<|im_start|>user\nWhat is the capital of France?<|im_end|>\n"
            "<|im_start|>assistant\n");
  ASSERT_EQ(chat.messages.size(), 2u);
  EXPECT_EQ(chat.messages[1].role, "user");
  const ExplainInput input = make_chat_explain_input(*model, chat, "Paris.", false);
  // The template's special tokens are single tokens of the prompt (parsed, not spelled out).
  int64_t specials = 0;
  for (const auto& t : input.prompt_tokens) specials += t.piece == "<|im_start|>" || t.piece == "<|im_end|>";
  EXPECT_EQ(specials, 5);
  for (const char* granularity : {"token", "word", "message"}) {
    UnitOptions options;
    options.granularity = parse_granularity(granularity);
    const auto units = build_units(input, options);
    std::string covered;
    for (const Unit& u : units) {
      ASSERT_GE(u.message, 0) << granularity;
      covered += u.text + "|";
      for (int64_t position : u.token_indices) {
        const Token& t = input.prompt_tokens[static_cast<size_t>(position)];
        EXPECT_NE(t.piece, "<|im_start|>") << granularity;
        EXPECT_NE(t.piece, "<|im_end|>") << granularity;
        const MessageSpan& span = input.messages[static_cast<size_t>(u.message)];
        EXPECT_GE(t.start, span.start);
        EXPECT_LT(t.start, span.start + span.length);
      }
    }
    if (std::string(granularity) == "message") {
      EXPECT_EQ(covered, "Answer briefly.|What is the capital of France?|");
    }
  }
  UnitOptions message_units;
  message_units.granularity = Granularity::kMessage;
  EXPECT_THAT(error_message([&] { build_units(make_explain_input(*model, "Hi there", " you"), message_units); }),
              ::testing::HasSubstr("needs a chat prompt"));
}

TEST_F(ChatExplainTest, GenerateExplainsTheIdsGreedyDecodingProduces) {
  const ChatRenderer renderer = ChatRenderer::for_model(model->dir, {});
  EXPECT_EQ(renderer.end_of_turn(), "<|im_end|>");
  const ChatPrompt chat = renderer.render(conversation);
  const ExplainInput input = make_chat_generated_input(*model, renderer, chat, 8, false);
  EXPECT_TRUE(input.target_generated);
  // Greedy decoding recomputed from scratch at every step, no cache.
  std::vector<int64_t> ids = model->tokenizer.encode_ids(chat.text, false);
  std::vector<int64_t> expected;
  torch::NoGradGuard no_grad;
  for (int step = 0; step < 8; ++step) {
    const auto logits = model->transformer.forward(torch::tensor(ids).unsqueeze(0))[0];  // (T, V)
    const int64_t next = logits[-1].argmax().item<int64_t>();
    if (next == 151645 || next == 151643) break;
    expected.push_back(next);
    ids.push_back(next);
  }
  ASSERT_FALSE(expected.empty());
  std::vector<int64_t> explained;
  for (const auto& t : input.target_tokens) explained.push_back(t.id);
  EXPECT_EQ(explained, expected);
  MethodOptions method;
  const Explanation e = explain(*model, input, {}, method);
  EXPECT_EQ(e.relevance.size(), expected.size());
}

TEST_F(ChatExplainTest, DocumentsGoBeforeTheLastUserMessage) {
  ExplainRequest request;
  request.chat = true;
  request.system = "Answer briefly.";
  request.prompt = "Where is Tom's kite?";
  request.documents = {"Tom left his kite in the garden.", "  Lily has a red ball."};  // leading blanks kept
  request.target = "In the garden.";
  request.contrast = "In the park.";
  const PreparedInput prepared = prepare_input(*model, request);
  const ExplainInput& input = prepared.input;
  EXPECT_NE(input.prompt.find("<|im_start|>user\nTom left his kite in the garden.\n\n  Lily has a red ball.\n\n"
                              "Where is Tom's kite?<|im_end|>"),
            std::string::npos)
      << input.prompt;
  ASSERT_EQ(input.documents.size(), 2u);
  for (size_t d = 0; d < 2; ++d) {
    EXPECT_EQ(utf8_substr(input.prompt, input.documents[d].start, input.documents[d].length), request.documents[d]);
  }
  EXPECT_EQ(utf8_substr(input.prompt, input.question.start, input.question.length), request.prompt);
  ASSERT_TRUE(prepared.foil.has_value());
  EXPECT_EQ(prepared.foil->documents[1].start, input.documents[1].start);

  ExplainOptions options;
  options.units.granularity = Granularity::kDocument;
  const Explanation e = explain_prepared(*model, prepared, options, {});
  ASSERT_EQ(e.units.size(), 2u) << "the system message and the question are no documents";
  EXPECT_EQ(e.units[1].text, request.documents[1]);
  EXPECT_EQ(e.units[1].message, 1);
  EXPECT_EQ(e.units[1].document, 1);
  options.units.granularity = Granularity::kSentence;
  const auto sentences = build_units(input, options.units);
  ASSERT_EQ(sentences.size(), 4u) << "system, two documents, the question";
  EXPECT_EQ(sentences[0].message, 0);
  EXPECT_EQ(sentences[0].document, -1);
  EXPECT_EQ(sentences[3].text, request.prompt);
  EXPECT_EQ(sentences[3].document, -1);
}

TEST_F(ChatExplainTest, DocumentsSurviveATemplateThatTrimsContents) {
  // The content begins with the document template's blank: the template trims it off.
  const auto trimming = tmp.path() / "trim.jinja";
  std::ofstream(trimming) << "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] | trim }}<|im_end|>\n"
                             "{% endfor %}<|im_start|>assistant\n";
  ExplainRequest request;
  request.chat = true;
  request.chat_options.template_file = trimming;
  request.prompt = "Where is Tom's kite?";
  request.documents = {"Tom left his kite in the garden.", "Lily has a red ball."};
  request.document_template = "  [{number}] {document}\n";
  request.target = "In the garden.";
  const ExplainInput input = prepare_input(*model, request).input;
  EXPECT_NE(input.prompt.find("user\n[1] Tom left"), std::string::npos) << input.prompt;
  ASSERT_EQ(input.messages.size(), 1u);
  EXPECT_EQ(input.messages[0].trimmed_front, 2);
  for (size_t d = 0; d < 2; ++d) {
    EXPECT_EQ(utf8_substr(input.prompt, input.documents[d].start, input.documents[d].length), request.documents[d]);
  }
  EXPECT_EQ(utf8_substr(input.prompt, input.question.start, input.question.length), request.prompt);
}

TEST_F(ChatExplainTest, BadConversationsAreRefusedByName) {
  const ChatRenderer renderer = ChatRenderer::for_model(model->dir, {});
  nlohmann::ordered_json bad = conversation;
  bad[1]["role"] = "narrator";
  EXPECT_THAT(error_message([&] { renderer.render(bad); }), ::testing::HasSubstr("unknown role 'narrator'"));
  TempDir plain;
  EXPECT_THAT(error_message([&] { ChatRenderer::for_model(write_tiny_model(plain.path()), {}); }),
              ::testing::HasSubstr("has no chat template"));
  EXPECT_THAT(error_message([&] { make_chat_generated_input(*model, renderer, renderer.render(conversation), 0, false); }),
              ::testing::HasSubstr("--generate must be at least 1"));
}

}  // namespace
}  // namespace atman::test
