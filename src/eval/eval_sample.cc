#include "eval/eval_sample.h"

namespace hm::eval {

nlohmann::ordered_json SampleRecord(const EvalSample& s) {
  nlohmann::ordered_json j;
  j["index"] = s.index;
  j["id"] = s.id;
  j["kind"] = s.kind;
  if (!s.prep.empty()) j["prep"] = s.prep;
  j["question"] = s.question;
  if (!s.messages.empty()) j["messages"] = s.messages;  // what the model was sent
  if (!s.choices.empty()) j["choices"] = s.choices;
  j["answer"] = s.answer;
  if (!s.category.empty()) j["category"] = s.category;
  return j;
}

EvalSample SampleFromRecord(const nlohmann::json& r) {
  EvalSample s;
  s.index = r.value("index", int64_t{0});
  s.id = r.value("id", "");
  s.kind = r.value("kind", "");
  s.prep = r.value("prep", "");
  s.question = r.value("question", "");
  if (r.contains("messages")) s.messages = r["messages"];
  s.choices = r.value("choices", std::vector<std::string>{});
  s.answer = r.value("answer", "");
  s.category = r.value("category", "");
  return s;
}

}  // namespace hm::eval
