// HealthBench (openai/simple-evals): conversations graded against physician-written rubrics.
#include "core/error.h"
#include "eval/jsonl.h"
#include "eval/loaders.h"

namespace hm::eval {

// The three published JSONL files, read in MedUniEval's order (all, consensus, hard): each line
// {"prompt": [{"role", "content"}..], "rubrics": [{"criterion", "points", "tags"}..],
// "example_tags", "prompt_id"}. MedUniEval sends prompt[0].content only, even for multi-turn
// conversations, yet its grader reads the whole conversation. The answer keeps what a grader
// needs, as JSON: {"conversation", "rubrics", "example_tags"}; the kind "rubric" has no rule
// in `eval score`.
std::vector<EvalSample> LoadHealthBench(const std::string& dir, bool) {
  static const std::pair<const char*, const char*> kParts[] = {
      {"2025-05-07-06-14-12_oss_eval.jsonl", "normal"},
      {"consensus_2025-05-09-20-00-46.jsonl", "consensus"},
      {"hard_2025-05-08-21-00-10.jsonl", "hard"}};
  std::vector<EvalSample> out;
  for (const auto& [file, part] : kParts) {
    const std::string path = dir + "/" + file;
    const auto rows = ReadJsonLines(path);
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto& r = rows[i];
      const std::string where = path + " record " + std::to_string(i + 1);
      HM_CHECK(r.contains("prompt") && r["prompt"].is_array() && !r["prompt"].empty(), where,
               ": \"prompt\" must be a list of messages");
      HM_CHECK(r.contains("rubrics") && r["rubrics"].is_array(), where, ": \"rubrics\" must be a list");
      EvalSample s;
      s.index = static_cast<int64_t>(out.size());
      s.id = std::string(part) + "/" + SourceId(r, "prompt_id", i);
      s.kind = "rubric";
      s.category = part;
      s.prompt = Field(r["prompt"][0], "content", where + " prompt[0]");
      s.question = s.prompt;
      s.answer = nlohmann::json{{"conversation", r["prompt"]},
                                {"rubrics", r["rubrics"]},
                                {"example_tags", r.value("example_tags", nlohmann::json::array())}}
                     .dump();
      out.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace hm::eval
