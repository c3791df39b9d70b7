#include "eval/verdict.h"

namespace hm::eval {

nlohmann::ordered_json VerdictRecord(const Verdict& v) {
  nlohmann::ordered_json j;
  j["correct"] = v.correct ? nlohmann::ordered_json(*v.correct) : nlohmann::ordered_json(nullptr);
  j["scores"] = nlohmann::ordered_json::object();
  for (const auto& [name, value] : v.scores) j["scores"][name] = value;
  if (!v.error.empty()) j["error"] = v.error;
  return j;
}

}  // namespace hm::eval
