// Exam-style multiple choice with up to ten lettered options: MMLU-Pro (health),
// MedXpertQA (Text and MM), SuperGPQA (medicine).
#include "core/error.h"
#include "eval/loaders.h"
#include "eval/prompts.h"
#include "eval/source_records.h"

namespace hm::eval {
namespace {

std::string Letter(size_t i) { return std::string(1, static_cast<char>('A' + i)); }

// A JSON list of option texts, checked: at most 26 (one letter each).
std::vector<std::string> OptionList(const nlohmann::json& record, const char* name, const std::string& where) {
  HM_CHECK(record.contains(name) && record[name].is_array() && !record[name].empty() && record[name].size() <= 26,
           where, ": \"", name, "\" must be a list of 1 to 26 options");
  std::vector<std::string> out;
  for (const auto& o : record[name]) {
    HM_CHECK(o.is_string(), where, ": \"", name, "\" holds a non-string option");
    out.push_back(o.get<std::string>());
  }
  return out;
}

}  // namespace

// TIGER-Lab/MMLU-Pro (data/test-*.parquet converted): {"question_id", "question", "options": [..],
// "answer": letter, "category", "src"}; MedUniEval keeps category "health" (its
// mmlu_pro_test.json). Its prompt is its own f-string, not get_multiple_choice_prompt, and its
// reasoning suffix is not a raw string: "\b" in "\boxed" reaches the model as a backspace.
// judge_multi_choice gets the choices dict, which iterates as its keys: the choices are the letters.
std::vector<EvalSample> LoadMmluProHealth(const std::string& dir, bool reasoning) {
  return SamplesFromJsonLines(dir + "/test.jsonl", [&](const SourceRecord& r) -> std::optional<EvalSample> {
    if (Field(r.json, "category", r.where) != "health") return std::nullopt;
    EvalSample s;
    s.id = SourceId(r.json, "question_id", r.position);
    s.kind = "multi_choice";
    s.prep = "answer_tag";
    s.category = Field(r.json, "src", r.where);
    s.question = Field(r.json, "question", r.where);
    s.answer = Field(r.json, "answer", r.where);
    s.prompt = s.question + "\n";
    const auto options = OptionList(r.json, "options", r.where);
    for (size_t k = 0; k < options.size(); ++k) {
      s.choices.push_back(Letter(k));
      s.prompt += Letter(k) + ". " + options[k] + "\n";
    }
    s.prompt += reasoning ? "Please reason step by step, and put your final answer within \boxed{}."
                          : "Answer with the option's letter from the given choices directly.";
    return s;
  });
}

namespace {

// TsinghuaC3I/MedXpertQA, <split>/test.jsonl: {"id", "question" (ending in "Answer Choices: .."),
// "options": {"A": ..}, "label", "images"? (under images/), "medical_task", "question_type"}.
std::vector<EvalSample> LoadMedXpertQa(const std::string& dir, const std::string& split, bool reasoning) {
  const std::string path = dir + "/" + split + "/test.jsonl";
  return SamplesFromJsonLines(path, [&](const SourceRecord& r) -> std::optional<EvalSample> {
    HM_CHECK(r.json.contains("options") && r.json["options"].is_object(), r.where, ": no \"options\" object");
    std::vector<std::string> choices;
    for (const auto& [letter, text] : r.json["options"].items())
      choices.push_back(letter + ". " + (text.is_string() ? text.get<std::string>() : text.dump()));
    EvalSample s = MultipleChoiceSample(SourceId(r.json, "id", r.position),
                                        PyStrip(PySplit(Field(r.json, "question", r.where), "Answer Choices:")[0]),
                                        std::move(choices), Field(r.json, "label", r.where), reasoning);
    s.category = r.json.value("medical_task", "");
    if (r.json.contains("images")) {
      HM_CHECK(r.json["images"].is_array(), r.where, ": \"images\" must be a list of file names");
      for (const auto& image : r.json["images"]) s.media.push_back(UnderDir(dir, "images/" + image.get<std::string>()));
    }
    return s;
  });
}

}  // namespace

std::vector<EvalSample> LoadMedXpertQaText(const std::string& dir, bool reasoning) {
  return LoadMedXpertQa(dir, "Text", reasoning);
}

std::vector<EvalSample> LoadMedXpertQaMm(const std::string& dir, bool reasoning) {
  return LoadMedXpertQa(dir, "MM", reasoning);
}

// m-a-p/SuperGPQA, SuperGPQA-all.jsonl: {"uuid", "question", "options": [..], "answer_letter",
// "discipline", "field", "difficulty"}; MedUniEval keeps discipline "Medicine".
std::vector<EvalSample> LoadSuperGpqaMedicine(const std::string& dir, bool reasoning) {
  return SamplesFromJsonLines(dir + "/SuperGPQA-all.jsonl", [&](const SourceRecord& r) -> std::optional<EvalSample> {
    if (Field(r.json, "discipline", r.where) != "Medicine") return std::nullopt;
    std::vector<std::string> choices;
    for (const std::string& option : OptionList(r.json, "options", r.where))
      choices.push_back(Letter(choices.size()) + "." + option);
    EvalSample s = MultipleChoiceSample(SourceId(r.json, "uuid", r.position), Field(r.json, "question", r.where),
                                        std::move(choices), Field(r.json, "answer_letter", r.where), reasoning);
    s.category = Field(r.json, "field", r.where);
    return s;
  });
}

}  // namespace hm::eval
