// The chat-template engine against Python Jinja2: every golden case of
// ../shared/fixtures/chat_templates (rendered by transformers' environment), then the engine's
// own behaviours one by one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "atman/chat_template.hpp"

#include "support/checks.hpp"

namespace atman {
namespace {

using nlohmann::ordered_json;
using ::testing::HasSubstr;

// 2025-03-05T09:07:00Z, the clock the fixtures were rendered at.
constexpr int64_t kFixtureClock = 1741165620;

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string render(const std::string& source, const ordered_json& context = ordered_json::object()) {
  return ChatTemplate::parse(source, "test").render(context, TemplateRenderOptions{kFixtureClock});
}


// The context transformers builds: messages, add_generation_prompt, tools and documents null, the
// special tokens, then the case's kwargs.
ordered_json fixture_context(const ordered_json& config, const ordered_json& test_case) {
  ordered_json context = ordered_json::object();
  context["messages"] = test_case["messages"];
  context["add_generation_prompt"] = test_case["add_generation_prompt"];
  context["tools"] = nullptr;
  context["documents"] = nullptr;
  for (const auto& [name, token] : config["special_tokens"].items()) context[name] = token;
  if (test_case.contains("kwargs")) {
    for (const auto& [name, value] : test_case["kwargs"].items()) context[name] = value;
  }
  return context;
}

// One case: empty when it matches, else what went wrong.
std::string check_case(const ChatTemplate& chat_template, const ordered_json& config, const ordered_json& test_case) {
  const ordered_json context = fixture_context(config, test_case);
  const TemplateRenderOptions options{kFixtureClock};
  if (test_case.contains("error")) {
    const std::string expected = test_case["error"];
    const bool raised_by_template = test_case.value("error_kind", "") == "raise_exception";
    try {
      const std::string text = chat_template.render(context, options);
      return "expected the error '" + expected + "', rendered: " + text;
    } catch (const TemplateRaised& e) {
      if (raised_by_template && e.what() != expected) return "raised '" + std::string(e.what()) + "', expected '" + expected + "'";
      return "";
    } catch (const Error& e) {
      if (raised_by_template) return "failed with '" + std::string(e.what()) + "' instead of raising '" + expected + "'";
      return "";
    }
  }
  const std::string expected = test_case["rendered"];
  try {
    const std::string text = chat_template.render(context, options);
    if (text == expected) return "";
    size_t at = 0;
    while (at < text.size() && at < expected.size() && text[at] == expected[at]) ++at;
    const size_t from = at < 40 ? 0 : at - 40;
    return "differs at byte " + std::to_string(at) + ":\n  expected ..." + ordered_json(expected.substr(from, 120)).dump() +
           "\n  rendered ..." + ordered_json(text.substr(from, 120)).dump();
  } catch (const std::exception& e) {
    return std::string("threw: ") + e.what();
  }
}

TEST(ChatTemplateFixtures, EveryCaseRendersAsPythonJinja2Does) {
  const std::filesystem::path root = std::filesystem::path(ATMAN_SHARED_FIXTURES_DIR) / "chat_templates";
  ATMAN_REQUIRE_FIXTURE(root);
  std::vector<std::filesystem::path> dirs;
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    if (entry.is_directory()) dirs.push_back(entry.path());
  }
  std::sort(dirs.begin(), dirs.end());
  ASSERT_FALSE(dirs.empty()) << "no template folders under " << root;
  size_t total = 0, matched = 0;
  for (const auto& dir : dirs) {
    const std::string model = dir.filename().string();
    SCOPED_TRACE(model);
    const ordered_json config = ordered_json::parse(read_text(dir / "config.json"));
    const ChatTemplate chat_template = ChatTemplate::parse(read_text(dir / "template.jinja"), model);
    std::istringstream lines(read_text(dir / "cases.jsonl"));
    size_t cases = 0, ok = 0;
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      const ordered_json test_case = ordered_json::parse(line);
      ++cases;
      const std::string problem = check_case(chat_template, config, test_case);
      if (problem.empty()) ++ok;
      else ADD_FAILURE() << model << "/" << test_case["id"].get<std::string>() << ": " << problem;
    }
    EXPECT_GT(cases, 0u) << model << " has no cases";
    std::printf("[chat template %s] %zu/%zu cases match\n", model.c_str(), ok, cases);
    total += cases;
    matched += ok;
  }
  std::printf("[chat templates] %zu/%zu cases match in %zu templates\n", matched, total, dirs.size());
}

TEST(ChatTemplate, SyntaxErrorNamesTemplateLineAndQuotesIt) {
  const std::string message = test::error_message([] { ChatTemplate::parse("first line\n{% if x %}\n  {% endfor %}\n", "my-model"); });
  EXPECT_THAT(message, HasSubstr("'my-model'"));
  EXPECT_THAT(message, HasSubstr("line 3"));
  EXPECT_THAT(message, HasSubstr("{% endfor %}"));
  EXPECT_THAT(message, HasSubstr("endif"));
}

TEST(ChatTemplate, UnclosedBlockAndUnknownFilterAreSyntaxErrors) {
  EXPECT_THAT(test::error_message([] { ChatTemplate::parse("{% for m in messages %}\n{{ m }}", "t"); }), HasSubstr("'endfor'"));
  EXPECT_THAT(test::error_message([] { ChatTemplate::parse("a\n\n{{ x | no_such_filter }}", "t"); }),
              ::testing::AllOf(HasSubstr("line 3"), HasSubstr("no filter named 'no_such_filter'")));
  EXPECT_THAT(test::error_message([] { ChatTemplate::parse("{% break %}", "t"); }), HasSubstr("outside of a loop"));
  EXPECT_THAT(test::error_message([] { ChatTemplate::parse("{% for m in ms %}{{ m | nope }}{% endfor %}", "t"); }),
              HasSubstr("no filter named 'nope'"));
}

TEST(ChatTemplate, UnknownFilterInsideAnIfFailsOnlyWhenItRuns) {
  // Jinja2 compiles the names inside if statements and inline ifs lazily.
  EXPECT_EQ(render("{% if false %}{{ x | nope }}{% endif %}{{ 'a' if true else (x is nope) }}ok"), "aok");
  EXPECT_THAT(test::error_message([] { render("{% if true %}\n{{ 'x' | nope }}{% endif %}"); }),
              ::testing::AllOf(HasSubstr("line 2"), HasSubstr("no filter named 'nope'")));
}

TEST(ChatTemplate, RaiseExceptionCarriesExactlyTheTemplatesMessage) {
  const ChatTemplate t = ChatTemplate::parse("ok\n{{ raise_exception('Roles must alternate: ' ~ n) }}", "t");
  try {
    t.render({{"n", 3}});
    FAIL() << "expected TemplateRaised";
  } catch (const TemplateRaised& e) {
    EXPECT_STREQ(e.what(), "Roles must alternate: 3");
  }
}

TEST(ChatTemplate, RenderErrorNamesTemplateLineAndQuotesIt) {
  const std::string message = test::error_message([] { render("a\n  {{ missing.attr }}\n"); });
  EXPECT_THAT(message, HasSubstr("'test'"));
  EXPECT_THAT(message, HasSubstr("line 2"));
  EXPECT_THAT(message, HasSubstr("'missing' is undefined"));
  EXPECT_THAT(message, HasSubstr("{{ missing.attr }}"));
  EXPECT_THAT(test::error_message([] { render("{{ 'a' + 1 }}"); }), HasSubstr("can only concatenate str"));
}

TEST(ChatTemplate, StrftimeNowReadsThePinnedClockOrSourceDateEpoch) {
  EXPECT_EQ(render("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%B %d, %Y %H:%M') }}"),
            "05 Mar 2025|March 05, 2025 09:07");
  const ChatTemplate t = ChatTemplate::parse("{{ strftime_now('%Y-%m-%d %H:%M:%S') }}", "t");
  const char* saved = std::getenv("SOURCE_DATE_EPOCH");
  const std::string saved_value = saved != nullptr ? saved : "";
  ::setenv("SOURCE_DATE_EPOCH", "86400", 1);
  EXPECT_EQ(t.render(ordered_json::object()), "1970-01-02 00:00:00");
  EXPECT_EQ(t.render(ordered_json::object(), TemplateRenderOptions{0}), "1970-01-01 00:00:00");  // the option wins
  if (saved != nullptr) ::setenv("SOURCE_DATE_EPOCH", saved_value.c_str(), 1);
  else ::unsetenv("SOURCE_DATE_EPOCH");
}

TEST(ChatTemplate, LoopVariables) {
  EXPECT_EQ(render("{% for x in ['a', 'b', 'c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}"
                   "{{ loop.length }}{{ loop.revindex }}{{ loop.previtem | default('-') }}"
                   "{{ loop.nextitem | default('-') }}{{ loop.cycle('o', 'e') }};{% endfor %}"),
            "10TrueFalse33-bo;21FalseFalse32ace;32FalseTrue31b-o;");
}

TEST(ChatTemplate, LoopFilterElseBreakContinueAndScoping) {
  EXPECT_EQ(render("{% for x in range(10) if x is odd %}{% if x > 6 %}{% break %}{% endif %}"
                   "{% if x == 3 %}{% continue %}{% endif %}{{ x }}/{{ loop.length }},{% endfor %}"),
            "1/5,5/5,");
  EXPECT_EQ(render("{% for x in [] %}a{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(render("{% for k, v in {'a': 1, 'b': 2} | items %}{{ k }}={{ v }};{% endfor %}"), "a=1;b=2;");
  // A set inside a loop is gone after it; a namespace attribute is not.
  EXPECT_EQ(render("{% set ns = namespace(n=0) %}{% set x = 1 %}{% for i in [1, 2] %}{% set x = 5 %}"
                   "{% set ns.n = ns.n + i %}{% endfor %}{{ x }}{{ ns.n }}"),
            "13");
}

TEST(ChatTemplate, SlicingAndIndexingFollowPython) {
  EXPECT_EQ(render("{{ 'abcdef'[1:4] }}|{{ 'abcdef'[::-1] }}|{{ [1, 2, 3, 4][-2:] }}|{{ [1, 2, 3, 4][:-1] }}|"
                   "{{ 'h\xC3\xA9llo'[1] }}|{{ [1, 2, 3][::2] }}|{{ [1, 2][5] is defined }}|{{ 'abc'[-1] }}"),
            "bcd|fedcba|[3, 4]|[1, 2, 3]|\xC3\xA9|[1, 3]|False|c");
}

TEST(ChatTemplate, TojsonIsJsonDumpsWithPythonSpacing) {
  EXPECT_EQ(render("{{ {'a': [1, 2.0, none, true], 'b': '\xC3\xA9\"\\n'} | tojson }}"),
            "{\"a\": [1, 2.0, null, true], \"b\": \"\xC3\xA9\\\"\\n\"}");
  EXPECT_EQ(render("{{ {'a': [1], 'b': {}} | tojson(indent=2) }}"), "{\n  \"a\": [\n    1\n  ],\n  \"b\": {}\n}");
  ordered_json context;
  context["tool"] = ordered_json::parse(R"({"z": 1, "a": {"y": [], "b": "x"}})");
  EXPECT_EQ(render("{{ tool | tojson }}", context), R"({"z": 1, "a": {"y": [], "b": "x"}})");  // insertion order
}

TEST(ChatTemplate, WhitespaceControlTrimBlocksAndLstripBlocks) {
  EXPECT_EQ(render("<\n  {% if true %}\n  x\n  {% endif %}\n>"), "<\n  x\n>");
  EXPECT_EQ(render("a  {{- ' b ' -}}  c"), "a b c");
  EXPECT_EQ(render("a\n  {%- if true -%}  \n b {%- endif %}"), "ab");
  EXPECT_EQ(render("  {%+ if true %}x{% endif %}"), "  x");
  EXPECT_EQ(render("a {# note #}\n  {#- note -#}  b"), "a b");
  EXPECT_EQ(render("{% raw %}{{ not parsed }}{% endraw %}"), "{{ not parsed }}");
  EXPECT_EQ(render("{{ 'x' }}\n"), "x");  // the source's trailing newline is dropped
}

TEST(ChatTemplate, ValuesPrintAndCompareAsInPython) {
  EXPECT_EQ(render("{{ 1.0 }}|{{ true }}|{{ none }}|{{ [1, 'a', none] }}|{{ {'k': \"it's\"} }}|{{ 7 // 2 }}|"
                   "{{ -7 // 2 }}|{{ 7 % -3 }}|{{ 1 / 2 }}|{{ 'ab' * 2 }}|{{ 1e20 }}|{{ (1,) }}|{{ 0.1 + 0.2 }}"),
            "1.0|True|None|[1, 'a', None]|{'k': \"it's\"}|3|-4|-2|0.5|abab|1e+20|(1,)|0.30000000000000004");
  EXPECT_EQ(render("{{ '' != false }}|{{ 1 == 1.0 }}|{{ {'a': [1]} == {'a': [1]} }}|{{ 'b' in 'abc' }}|"
                   "{{ 'k' in {'k': 1} }}|{{ 2 not in [1] }}|{{ 1 < 2 < 3 }}"),
            "True|True|True|True|True|True|True");
}

TEST(ChatTemplate, UndefinedIsEmptyFalsyAndFailsWhenUsed) {
  EXPECT_EQ(render("[{{ missing }}]|{{ missing is defined }}|{{ 'x' in missing }}|{{ missing or 'd' }}|"
                   "{{ missing | length }}|{% for x in missing %}x{% endfor %}|{{ {}.key is defined }}|"
                   "{{ 'text'.content is defined }}"),
            "[]|False|False|d|0||False|False");
  EXPECT_THAT(test::error_message([] { render("{{ missing + 'x' }}"); }), HasSubstr("'missing' is undefined"));
  EXPECT_THAT(test::error_message([] { render("{{ {}.a.b }}"); }), HasSubstr("'dict object' has no attribute 'a'"));
}

TEST(ChatTemplate, StringAndDictMethods) {
  EXPECT_EQ(render("{{ '\\n\\nx\\n'.strip('\\n') }}|{{ 'a,b,c'.split(',', 1) }}|{{ ' a  b '.split() }}|"
                   "{{ 'abc'.startswith(('x', 'a')) }}|{{ 'hello wORLD'.title() }}|{{ 'x'.upper() }}|"
                   "{{ 'aXbX'.replace('X', '-') }}|{{ 'abc'.find('c') }}|{{ '{}-{name}'.format(1, name='n') }}"),
            "x|['a', 'b,c']|['a', 'b']|True|Hello World|X|a-b-|2|1-n");
  EXPECT_EQ(render("{% set d = {'a': 1, 'b': 2} %}{{ d.items() | list }}|{{ d.keys() | list }}|{{ d.get('c', 3) }}|"
                   "{{ d['a'] }}{{ d.b }}"),
            "[('a', 1), ('b', 2)]|['a', 'b']|3|12");
}

TEST(ChatTemplate, FiltersAndTests) {
  ordered_json context;
  context["messages"] = ordered_json::parse(R"([{"role": "user", "content": " hi "}, {"role": "assistant", "content": "yo"},
                                                {"role": "user", "content": "bye"}])");
  EXPECT_EQ(render("{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | map('trim') | join(', ') }}|"
                   "{{ messages | rejectattr('role', 'eq', 'user') | list | length }}|"
                   "{{ ['a', 'code', 'b'] | reject('equalto', 'code') | join }}|{{ messages[0].content | trim | upper }}|"
                   "{{ 'x' + messages[1]['content'] | trim + 'y' }}|{{ messages | length - 1 }}|{{ none | default('d', true) }}",
                   context),
            "hi, bye|1|ab|HI|xyoy|2|d");
  EXPECT_EQ(render("{{ 3 is odd }}{{ 4 is divisibleby 2 }}{{ 'a' is string }}{{ 1 is number }}{{ {} is mapping }}"
                   "{{ 'a' is iterable }}{{ 'a' is mapping }}{{ none is none }}{{ false is false }}{{ 0 is false }}"
                   "{{ strftime_now is defined }}{{ 1 is integer }}{{ 1.5 is float }}"),
            "TrueTrueTrueTrueTrueTrueFalseTrueTrueFalseTrueTrueTrue");
  EXPECT_EQ(render("{{ 'a\\nb' | indent(2) }}|{{ [3, 1, 2] | sort | first }}|{{ ['a', 'A', 'b'] | unique | list }}|"
                   "{{ 2.5 | round }}|{{ '42' | int + 1 }}|{{ 'x' if false }}|{{ 'y' if true else 'n' }}"),
            "a\n  b|1|['a', 'b']|2.0|43||y");
}

TEST(ChatTemplate, MacrosWithDefaultsAndCallBlocks) {
  EXPECT_EQ(render("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}"
                   "{{ greet('A') }} {{ greet('B', punct='?') }}"),
            "Hi A! Hi B?");
  EXPECT_EQ(render("{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}"
                   "{% call wrap('b') %}inner{% endcall %}"),
            "<b>inner</b>");
  EXPECT_EQ(render("{% set greeting %}  Hello {{ 'you' }}  {% endset %}[{{ greeting | trim }}]"
                   "{% filter upper %}shout{% endfilter %}"),
            "[Hello you]SHOUT");
}

TEST(ChatTemplate, ModelDirectoryTemplateAndSpecialTokens) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "atman_chat_template_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  EXPECT_FALSE(load_model_chat_template(dir).has_value());
  EXPECT_EQ(load_special_tokens(dir), nlohmann::json::object());
  std::ofstream(dir / "tokenizer_config.json") << R"({
    "bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>", "pad_token": null,
    "additional_special_tokens": ["<x>"],
    "chat_template": [{"name": "default", "template": "D{{ bos_token }}"}, {"name": "tool_use", "template": "T"}]})";
  const nlohmann::json tokens = load_special_tokens(dir);
  EXPECT_EQ(tokens, nlohmann::json::parse(R"({"bos_token": "<s>", "eos_token": "</s>", "additional_special_tokens": ["<x>"]})"));
  EXPECT_EQ(load_model_chat_template(dir)->render(tokens), "D<s>");
  EXPECT_EQ(load_model_chat_template(dir, "tool_use")->render(tokens), "T");
  EXPECT_THAT(test::error_message([&] { load_model_chat_template(dir, "nope"); }), HasSubstr("default, tool_use"));
  std::ofstream(dir / "chat_template.jinja") << "J";
  EXPECT_EQ(load_model_chat_template(dir)->render(tokens), "J");  // the .jinja file wins, as in transformers
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace atman
