// HealthBench (openai/simple-evals): conversations graded against physician-written rubrics.
#include "core/error.h"
#include "eval/jsonl.h"
#include "eval/loaders.h"
#include "eval/source_records.h"

namespace hm::eval {

// The three published JSONL files, read in MedUniEval's order (all, consensus, hard): each line
// {"prompt": [{"role", "content"}..], "rubrics": [{"criterion", "points", "tags"}..],
// "example_tags", "prompt_id"}. MedUniEval sends prompt[0].content only, even for multi-turn
// conversations, yet its grader reads the whole conversation (quirk 14): `prompt` is that first
// message, `messages` the whole conversation, which LoadBenchmark keeps for fixed mode only.
// The answer keeps what a grader needs, as JSON: {"conversation", "rubrics", "example_tags"};
// the kind "rubric" has no rule in `eval score`.
std::vector<EvalSample> LoadHealthBench(const std::string& dir, bool) {
  static const std::pair<const char*, const char*> kParts[] = {
      {"2025-05-07-06-14-12_oss_eval.jsonl", "normal"},
      {"consensus_2025-05-09-20-00-46.jsonl", "consensus"},
      {"hard_2025-05-08-21-00-10.jsonl", "hard"}};
  std::vector<EvalSample> out;
  for (const auto& [file, part_name] : kParts) {
    const std::string path = dir + "/" + file, part = part_name;  // a lambda may not capture a binding (clang 14)
    AppendSamples(path, ReadJsonLines(path), [&](const SourceRecord& r) -> std::optional<EvalSample> {
      HM_CHECK(r.json.contains("prompt") && r.json["prompt"].is_array() && !r.json["prompt"].empty(), r.where,
               ": \"prompt\" must be a list of messages");
      HM_CHECK(r.json.contains("rubrics") && r.json["rubrics"].is_array(), r.where, ": \"rubrics\" must be a list");
      EvalSample s;
      s.id = std::string(part) + "/" + SourceId(r.json, "prompt_id", r.position);
      s.kind = "rubric";
      s.category = part;
      s.prompt = Field(r.json["prompt"][0], "content", r.where + " prompt[0]");
      s.question = s.prompt;
      for (size_t t = 0; t < r.json["prompt"].size(); ++t) {
        const std::string where = r.where + " prompt[" + std::to_string(t) + "]";
        s.messages.push_back({{"role", Field(r.json["prompt"][t], "role", where)},
                              {"content", Field(r.json["prompt"][t], "content", where)}});
      }
      s.answer = nlohmann::json{{"conversation", r.json["prompt"]},
                                {"rubrics", r.json["rubrics"]},
                                {"example_tags", r.json.value("example_tags", nlohmann::json::array())}}
                     .dump();
      return s;
    }, out);
  }
  return out;
}

}  // namespace hm::eval
