// Batch records, shards, resuming and merging output files, and the runner on a tiny model.
#include <fstream>
#include <sstream>

#include "atman/batch_input.hpp"
#include "atman/batch_output.hpp"
#include "atman/batch_runner.hpp"
#include "support/test_support.hpp"

namespace atman::test {
namespace {

using ::testing::HasSubstr;

std::string code_of(const BatchRecord& r) { return r.error ? r.error->code : ""; }

TEST(BatchRecordTest, GoodLinesAndEveryKindOfBadLine) {
  const auto good = parse_batch_line(R"({"id": "a", "prompt": "P", "target": " T", "factor": 0.5})", 3);
  EXPECT_FALSE(good.error);
  EXPECT_EQ(good.id, "a");
  EXPECT_EQ(good.prompt, "P");
  EXPECT_EQ(good.target, " T");
  EXPECT_EQ(good.fields["factor"], 0.5);
  EXPECT_EQ(parse_batch_line(R"({"prompt": "P", "target": "T"})", 5).id, 5) << "default id is the line number";
  EXPECT_EQ(parse_batch_line(R"({"id": 12, "prompt": "P", "target": "T"})", 5).id, 12);

  EXPECT_EQ(code_of(parse_batch_line("{not json", 1)), "invalid_json");
  EXPECT_EQ(code_of(parse_batch_line("[1, 2]", 1)), "invalid_record");
  EXPECT_EQ(code_of(parse_batch_line(R"({"prompt": "P"})", 1)), "missing_field");
  EXPECT_EQ(code_of(parse_batch_line(R"({"prompt": "P", "target": 3})", 1)), "wrong_type");
  EXPECT_EQ(code_of(parse_batch_line(R"({"id": [1], "prompt": "P", "target": "T"})", 1)), "wrong_type");
  const auto missing = parse_batch_line(R"({"id": "x", "target": "T"})", 4);
  EXPECT_EQ(missing.id, "x") << "a readable id is kept for the error line";
  EXPECT_THAT(missing.error->message, HasSubstr("'prompt'"));
  EXPECT_TRUE(is_blank_line(" \t\r"));
  EXPECT_FALSE(is_blank_line(" {}"));
}

// Every field the README documents is read; anything else (a typo, a data set's own field) is
// named so that the reader can warn about it.
TEST(BatchRecordTest, UnknownFieldsAreNamedInOrder) {
  const auto every_field = nlohmann::json::parse(R"({
      "id": 1, "prompt": "P", "target": "T", "method": "atman", "granularity": "word", "delimiter": ",",
      "factor": 0.5, "suppression": "min-shift", "steps": 4, "split_special": true, "refine": "2:word",
      "conceptual_threshold": "off", "contrast": " U", "documents": ["d"], "document_template": "{document}",
      "chat": true, "system": "S", "messages": [], "generate": 3, "template_vars": {},
      "add_generation_prompt": true, "gold": [[0, 1]]})");
  EXPECT_THAT(unknown_record_fields(every_field), ::testing::IsEmpty());
  const auto typo = parse_batch_line(R"({"prompt": "P", "target": "T", "granularty": "word", "label": 1})", 1);
  EXPECT_FALSE(typo.error) << "unknown fields are not errors";
  EXPECT_EQ(unknown_record_fields(typo.fields), (std::vector<std::string>{"granularty", "label"}));
  EXPECT_THAT(unknown_record_fields(nlohmann::json::array()), ::testing::IsEmpty());
  EXPECT_EQ(closest_record_field("granularty"), "granularity");
  EXPECT_EQ(closest_record_field("Factor"), "factor");
  EXPECT_EQ(closest_record_field("conceptual-threshold"), "conceptual_threshold");
  EXPECT_EQ(closest_record_field("label"), "") << "a data set's own field is not a typo of any";
  EXPECT_EQ(closest_record_field("x"), "");
}

TEST(BatchRecordTest, ShardsSplitLinesRoundRobin) {
  const Shard s = parse_shard("1/3");
  EXPECT_FALSE(s.contains(1));
  EXPECT_TRUE(s.contains(2));
  EXPECT_TRUE(s.contains(5));
  for (const char* bad : {"3/3", "-1/2", "1", "a/b", "1/0", "1/2x"}) {
    EXPECT_THAT(error_message([&] { parse_shard(bad); }), HasSubstr("--shard")) << bad;
  }
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write(const std::filesystem::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

TEST(BatchOutputTest, ResumeRepairsACutOffLineAndListsDoneIds) {
  TempDir tmp;
  const auto out = tmp.path() / "out.jsonl";
  EXPECT_TRUE(repair_and_scan_output(out).completed_ids.empty()) << "a missing output is empty";
  write(out, "{\"id\":\"a\",\"line\":1}\n{\"id\":2,\"line\":2,\"error\":{}}\n{\"id\":\"c\",\"li");
  const auto existing = repair_and_scan_output(out);
  EXPECT_EQ(existing.lines, 2);
  EXPECT_EQ(existing.repaired_bytes, 13);  // {"id":"c","li
  EXPECT_EQ(existing.completed_ids, (std::map<std::string, int64_t>{{"\"a\"", 1}, {"2", 1}}));
  EXPECT_EQ(slurp(out), "{\"id\":\"a\",\"line\":1}\n{\"id\":2,\"line\":2,\"error\":{}}\n");
  write(out, "{\"id\":\"a\",\"line\":1}\ngarbage\n");
  EXPECT_THAT(error_message([&] { repair_and_scan_output(out); }), HasSubstr("line 2 is not an atman batch result"));
}

// One output line of a run over a 3-record input, as `atman batch --shard K/N` writes it.
std::string shard_line(const char* id, int line, const char* shard, const char* input = "fnv1a64:00") {
  return std::string("{\"id\":\"") + id + "\",\"line\":" + std::to_string(line) + ",\"batch\":{\"input\":\"" + input +
         "\",\"records\":3,\"shard\":\"" + shard + "\"}}";
}

TEST(BatchOutputTest, MergeOrdersByInputLineAndRefusesOverlapsAndCutLines) {
  TempDir tmp;
  write(tmp.path() / "a", shard_line("x", 1, "0/2") + "\n" + shard_line("z", 3, "0/2") + "\n");
  write(tmp.path() / "b", shard_line("y", 2, "1/2") + "\n");
  EXPECT_EQ(merge_shard_outputs({tmp.path() / "a", tmp.path() / "b"}),
            (std::vector<std::string>{shard_line("x", 1, "0/1"), shard_line("y", 2, "0/1"), shard_line("z", 3, "0/1")}));
  EXPECT_THAT(error_message([&] { merge_shard_outputs({tmp.path() / "a", tmp.path() / "a"}); }),
              HasSubstr("input line 1 appears twice"));
  write(tmp.path() / "cut", shard_line("y", 2, "1/2") + "\n{\"id\"");
  EXPECT_THAT(error_message([&] { merge_shard_outputs({tmp.path() / "cut"}); }), HasSubstr("cut-off line"));
  EXPECT_THAT(error_message([&] { merge_shard_outputs({tmp.path() / "none"}); }), HasSubstr("cannot read"));
}

TEST(BatchOutputTest, MergeRefusesMissingShardsOtherInputsAndDirectories) {
  TempDir tmp;
  write(tmp.path() / "a", shard_line("x", 1, "0/2") + "\n" + shard_line("z", 3, "0/2") + "\n");
  write(tmp.path() / "b", shard_line("y", 2, "1/2") + "\n");
  write(tmp.path() / "other", shard_line("y", 2, "1/2", "fnv1a64:ff") + "\n");
  write(tmp.path() / "wrong_n", shard_line("y", 2, "1/3") + "\n");
  write(tmp.path() / "old", "{\"id\":\"y\",\"line\":2}\n");
  EXPECT_THAT(error_message([&] { merge_shard_outputs({tmp.path() / "a"}); }),
              HasSubstr("hold 2 of the input's 3 records: shards 1/2 are missing"));
  EXPECT_THAT(error_message([&] { merge_shard_outputs({tmp.path() / "a", tmp.path() / "other"}); }),
              HasSubstr("comes from another input"));
  EXPECT_THAT(error_message([&] { merge_shard_outputs({tmp.path() / "a", tmp.path() / "wrong_n"}); }),
              HasSubstr("shards of one run share N"));
  EXPECT_THAT(error_message([&] { merge_shard_outputs({tmp.path() / "a", tmp.path() / "old"}); }),
              HasSubstr("has no \"batch\" field"));
  EXPECT_THAT(error_message([&] { merge_shard_outputs({tmp.path() / "a", tmp.path()}); }), HasSubstr("is a directory"));
}

TEST(BatchOutputTest, MergeWarnsWhenShardsRecordDifferentThreadCounts) {
  TempDir tmp;
  auto with_threads = [](std::string line, int threads) {  // "batch": {..., "threads": N}
    return line.insert(line.size() - 2, ",\"threads\":" + std::to_string(threads));
  };
  write(tmp.path() / "a", with_threads(shard_line("x", 1, "0/2"), 2) + "\n" + with_threads(shard_line("z", 3, "0/2"), 2) + "\n");
  write(tmp.path() / "b", with_threads(shard_line("y", 2, "1/2"), 2) + "\n");
  write(tmp.path() / "c", with_threads(shard_line("y", 2, "1/2"), 1) + "\n");
  std::vector<std::string> warnings;
  const auto same = merge_shard_outputs({tmp.path() / "a", tmp.path() / "b"}, &warnings);
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(same.at(1), with_threads(shard_line("y", 2, "0/1"), 2)) << "the thread count is kept";
  merge_shard_outputs({tmp.path() / "a", tmp.path() / "c"}, &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("different thread counts (1 thread: '" + (tmp.path() / "c").string() +
                                     "'; 2 threads: '" + (tmp.path() / "a").string() + "')"));
  warnings.clear();
  merge_shard_outputs({tmp.path() / "a", tmp.path() / "b"}, &warnings);
  write(tmp.path() / "old", shard_line("y", 2, "1/2") + "\n");
  merge_shard_outputs({tmp.path() / "a", tmp.path() / "old"}, &warnings);
  ASSERT_EQ(warnings.size(), 1u) << "a shard of an atman that did not record threads is not assumed equal";
  EXPECT_THAT(warnings[0], HasSubstr("unrecorded threads: '"));
}

TEST(BatchInputTest, SummaryFingerprintsTheBytesAndCountsRecordsPerShard) {
  std::istringstream in("{\"a\":1}\n\n  \n{\"b\":2}\n{\"c\":3}");
  const BatchInputSummary all = summarize_batch_input(in, Shard{});
  EXPECT_EQ(all.records, 3);
  EXPECT_EQ(all.shard_records, 3);
  std::istringstream again("{\"a\":1}\n\n  \n{\"b\":2}\n{\"c\":3}");
  const BatchInputSummary shard = summarize_batch_input(again, Shard{1, 2});
  EXPECT_EQ(shard.shard_records, 1);  // line 4 of lines 2 and 4 (line 2 is blank)
  EXPECT_EQ(shard.fingerprint, all.fingerprint);
  std::istringstream changed("{\"a\":1}\n\n  \n{\"b\":2}\n{\"c\":4}");
  EXPECT_NE(summarize_batch_input(changed, Shard{}).fingerprint, all.fingerprint);
}

TEST(BatchInputTest, LongLinesAreCutAndFlagged) {
  std::istringstream in("short\n" + std::string(100, 'x') + "\nlast");
  std::string text;
  bool too_long = true;
  ASSERT_TRUE(read_line_capped(in, text, 10, too_long));
  EXPECT_EQ(text, "short");
  EXPECT_FALSE(too_long);
  ASSERT_TRUE(read_line_capped(in, text, 10, too_long));
  EXPECT_EQ(text, std::string(10, 'x'));
  EXPECT_TRUE(too_long);
  ASSERT_TRUE(read_line_capped(in, text, 10, too_long));
  EXPECT_EQ(text, "last");
  EXPECT_FALSE(read_line_capped(in, text, 10, too_long));
}

TEST(BatchRecordTest, InvalidUtf8IsAnInvalidJsonRecordWhoseErrorSerialises) {
  const BatchRecord r = parse_batch_line("{\"prompt\": \"caf\xff\", \"target\": \"x\"}", 4);
  EXPECT_EQ(code_of(r), "invalid_json");
  EXPECT_THAT(r.error->message, HasSubstr("\\xFF"));
  nlohmann::ordered_json j;
  j["message"] = r.error->message;
  EXPECT_NO_THROW(j.dump());  // strict: throws on invalid UTF-8
}

class BatchRunnerTest : public SeededTest {
 protected:
  TempDir tmp;
  Model model = load_model(write_tiny_model(tmp.path()));

  std::vector<nlohmann::json> run(const std::string& input, const BatchOptions& options, BatchProgress* progress) {
    std::istringstream in(input);
    std::ostringstream out;
    *progress = run_batch(model, in, out, options);
    std::vector<nlohmann::json> lines;
    std::istringstream written(out.str());
    for (std::string line; std::getline(written, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
  }
};

TEST_F(BatchRunnerTest, ExplainsGoodRecordsRecordsBadOnesAndKeepsOrder) {
  const std::string input =
      "{\"id\":\"a\",\"prompt\":\"The cat sat.\",\"target\":\" The cat\"}\n"
      "oops\n"
      "\n"
      "{\"id\":\"a\",\"prompt\":\"Again.\",\"target\":\" x\"}\n"
      "{\"prompt\":\"The dog ran to the cat.\",\"target\":\" It\",\"granularity\":\"word\",\"method\":\"ixg\"}\n"
      "{\"id\":\"f\",\"prompt\":\"The dog.\",\"target\":\" It\",\"factor\":\"high\"}\n"
      "{\"id\":\"e\",\"prompt\":\"The dog.\",\"target\":\"\"}\n";
  BatchProgress p;
  const auto lines = run(input, {}, &p);
  EXPECT_EQ(p.done, 2);
  EXPECT_EQ(p.failed, 4);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0]["id"], "a");
  EXPECT_EQ(lines[0]["schema"], "atman.explanation/v1");
  EXPECT_EQ(lines[0]["method"], "atman");
  EXPECT_EQ(lines[1]["error"]["code"], "invalid_json");
  EXPECT_EQ(lines[1]["id"], 2);
  EXPECT_EQ(lines[2]["error"]["code"], "duplicate_id");
  EXPECT_EQ(lines[3]["id"], 5);
  EXPECT_EQ(lines[3]["method"], "ixg") << "per-record method override";
  EXPECT_EQ(lines[3]["params"]["granularity"], "word") << "per-record granularity override";
  EXPECT_EQ(lines[4]["error"]["code"], "wrong_type");
  EXPECT_EQ(lines[5]["error"]["code"], "invalid_input");
  for (size_t i = 0; i < lines.size(); ++i) EXPECT_TRUE(lines[i].contains("line")) << i;
}

TEST_F(BatchRunnerTest, SameInputSameBytesAndResumeSkipsDoneIds) {
  const std::string input =
      "{\"id\":\"a\",\"prompt\":\"The cat sat.\",\"target\":\" The cat\"}\n"
      "{\"id\":\"b\",\"prompt\":\"The dog ran.\",\"target\":\" The dog\",\"factor\":0.3}\n";
  auto bytes = [&](const BatchOptions& options) {
    std::istringstream in(input);
    std::ostringstream out;
    run_batch(model, in, out, options);
    return out.str();
  };
  EXPECT_EQ(bytes({}), bytes({}));
  BatchOptions resume;
  resume.done_ids = {{"\"a\"", 1}};
  BatchProgress p;
  const auto lines = run(input, resume, &p);
  EXPECT_EQ(p.skipped, 1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["id"], "b");
  EXPECT_EQ(lines[0]["params"]["factor"], 0.3);
  BatchOptions second_shard;
  second_shard.shard = {1, 2};
  EXPECT_EQ(run(input, second_shard, &p).at(0)["id"], "b");
}

TEST_F(BatchRunnerTest, ResumeCountsRepeatedIdsSoTheirErrorLinesAreNotLostOrDoubled) {
  const std::string input =
      "{\"id\":\"a\",\"prompt\":\"The cat sat.\",\"target\":\" The cat\"}\n"
      "{\"id\":\"a\",\"prompt\":\"Again.\",\"target\":\" x\"}\n";
  BatchOptions first_done;
  first_done.done_ids = {{"\"a\"", 1}};
  BatchProgress p;
  const auto rest = run(input, first_done, &p);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0]["error"]["code"], "duplicate_id") << "the repeat is still refused after a resume";
  BatchOptions both_done;
  both_done.done_ids = {{"\"a\"", 2}};
  EXPECT_TRUE(run(input, both_done, &p).empty());
  EXPECT_EQ(p.skipped, 2);
}

TEST_F(BatchRunnerTest, AnIdRepeatedInAnotherShardIsStillADuplicate) {
  // Lines 1 and 2 fall into shards 0/2 and 1/2: the repeat must fail in its shard as it does
  // in one unsharded run, or the merged shards would differ from that run.
  const std::string input =
      "{\"id\":\"a\",\"prompt\":\"The cat sat.\",\"target\":\" The cat\"}\n"
      "{\"id\":\"a\",\"prompt\":\"Again.\",\"target\":\" x\"}\n"
      "{\"id\":\"b\",\"prompt\":\"The dog ran.\",\"target\":\" The dog\"}\n";
  BatchProgress p;
  const auto all = run(input, {}, &p);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1]["error"]["code"], "duplicate_id");
  BatchOptions shard0, shard1;
  shard0.shard = {0, 2};
  shard1.shard = {1, 2};
  const auto s0 = run(input, shard0, &p);
  const auto s1 = run(input, shard1, &p);
  ASSERT_EQ(s0.size(), 2u);
  ASSERT_EQ(s1.size(), 1u);
  EXPECT_EQ(s0[0], all[0]);
  EXPECT_EQ(s1[0], all[1]) << "the repeat of an id from shard 0 is refused in shard 1";
  EXPECT_EQ(s0[1], all[2]);
  // Resuming shard 1 with its line done skips it; the id's first use in shard 0 does not count.
  shard1.done_ids = {{"\"a\"", 1}};
  EXPECT_TRUE(run(input, shard1, &p).empty());
  EXPECT_EQ(p.skipped, 1);
}

}  // namespace
}  // namespace atman::test
