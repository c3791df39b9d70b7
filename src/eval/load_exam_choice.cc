// Exam-style multiple choice with up to ten lettered options: MMLU-Pro (health),
// MedXpertQA (Text and MM), SuperGPQA (medicine).
#include "core/error.h"
#include "eval/jsonl.h"
#include "eval/loaders.h"
#include "eval/prompts.h"

namespace hm::eval {
namespace {

std::string Where(const std::string& path, size_t row) { return path + " record " + std::to_string(row + 1); }

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
  const std::string path = dir + "/test.jsonl";
  std::vector<EvalSample> out;
  const auto rows = ReadJsonLines(path);
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const std::string where = Where(path, i);
    if (Field(r, "category", where) != "health") continue;
    EvalSample s;
    s.index = static_cast<int64_t>(out.size());
    s.id = SourceId(r, "question_id", i);
    s.kind = "multi_choice";
    s.prep = "answer_tag";
    s.category = Field(r, "src", where);
    s.question = Field(r, "question", where);
    s.answer = Field(r, "answer", where);
    s.prompt = s.question + "\n";
    const auto options = OptionList(r, "options", where);
    for (size_t k = 0; k < options.size(); ++k) {
      s.choices.push_back(Letter(k));
      s.prompt += Letter(k) + ". " + options[k] + "\n";
    }
    s.prompt += reasoning ? "Please reason step by step, and put your final answer within \boxed{}."
                          : "Answer with the option's letter from the given choices directly.";
    out.push_back(std::move(s));
  }
  return out;
}

namespace {

// TsinghuaC3I/MedXpertQA, <split>/test.jsonl: {"id", "question" (ending in "Answer Choices: .."),
// "options": {"A": ..}, "label", "images"? (under images/), "medical_task", "question_type"}.
std::vector<EvalSample> LoadMedXpertQa(const std::string& dir, const std::string& split, bool reasoning) {
  const std::string path = dir + "/" + split + "/test.jsonl";
  std::vector<EvalSample> out;
  const auto rows = ReadJsonLines(path);
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const std::string where = Where(path, i);
    HM_CHECK(r.contains("options") && r["options"].is_object(), where, ": no \"options\" object");
    EvalSample s;
    s.index = static_cast<int64_t>(i);
    s.id = SourceId(r, "id", i);
    s.kind = "multi_choice";
    s.prep = "answer_tag";
    s.category = r.value("medical_task", "");
    s.question = PyStrip(PySplit(Field(r, "question", where), "Answer Choices:")[0]);
    for (const auto& [letter, text] : r["options"].items())
      s.choices.push_back(letter + ". " + (text.is_string() ? text.get<std::string>() : text.dump()));
    s.answer = Field(r, "label", where);
    if (r.contains("images")) {
      HM_CHECK(r["images"].is_array(), where, ": \"images\" must be a list of file names");
      for (const auto& image : r["images"]) s.media.push_back(UnderDir(dir, "images/" + image.get<std::string>()));
    }
    s.prompt = MultipleChoicePrompt(s.question, s.choices, reasoning);
    out.push_back(std::move(s));
  }
  return out;
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
  const std::string path = dir + "/SuperGPQA-all.jsonl";
  std::vector<EvalSample> out;
  const auto rows = ReadJsonLines(path);
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const std::string where = Where(path, i);
    if (Field(r, "discipline", where) != "Medicine") continue;
    EvalSample s;
    s.index = static_cast<int64_t>(out.size());
    s.id = SourceId(r, "uuid", i);
    s.kind = "multi_choice";
    s.prep = "answer_tag";
    s.category = Field(r, "field", where);
    s.question = Field(r, "question", where);
    const auto options = OptionList(r, "options", where);
    for (size_t k = 0; k < options.size(); ++k) s.choices.push_back(Letter(k) + "." + options[k]);
    s.answer = Field(r, "answer_letter", where);
    s.prompt = MultipleChoicePrompt(s.question, s.choices, reasoning);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace hm::eval
