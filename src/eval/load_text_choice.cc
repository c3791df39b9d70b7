// Text multiple-choice benchmarks: MedQA-USMLE, PubMedQA, MMLU (medical subjects).
#include <filesystem>

#include "core/error.h"
#include "eval/jsonl.h"
#include "eval/loaders.h"
#include "eval/prompts.h"

namespace hm::eval {
namespace {

std::string Where(const std::string& path, size_t line) { return path + " record " + std::to_string(line + 1); }

}  // namespace

// GBaker/MedQA-USMLE-4-options: {"question", "options": {"A".."D"}, "answer_idx", ...}.
std::vector<EvalSample> LoadMedQaUsmle(const std::string& dir, bool reasoning) {
  const std::string path = dir + "/test.jsonl";
  std::vector<EvalSample> out;
  const auto rows = ReadJsonLines(path);
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const std::string where = Where(path, i);
    HM_CHECK(r.contains("options") && r["options"].is_object(), where, ": no \"options\" object");
    EvalSample s;
    s.index = static_cast<int64_t>(i);
    s.id = std::to_string(i);
    s.kind = "multi_choice";
    s.prep = "answer_tag";
    s.question = Field(r, "question", where);
    for (const char* letter : {"A", "B", "C", "D"})
      s.choices.push_back(std::string(letter) + ". " + Field(r["options"], letter, where));
    s.answer = Field(r, "answer_idx", where);
    s.prompt = MultipleChoicePrompt(s.question, s.choices, reasoning);
    out.push_back(std::move(s));
  }
  return out;
}

// openlifescienceai/pubmedqa: {"id", "data": {"Question", "Context": [...], "Options": {"A".."C"},
// "Correct Option"}}. The context goes before the question, joined by newlines.
std::vector<EvalSample> LoadPubMedQa(const std::string& dir, bool reasoning) {
  const std::string path = dir + "/test.jsonl";
  std::vector<EvalSample> out;
  const auto rows = ReadJsonLines(path);
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string where = Where(path, i);
    HM_CHECK(rows[i].contains("data") && rows[i]["data"].is_object(), where, ": no \"data\" object");
    const auto& d = rows[i]["data"];
    HM_CHECK(d.contains("Options") && d["Options"].is_object(), where, ": no data.Options object");
    HM_CHECK(d.contains("Context") && d["Context"].is_array(), where, ": no data.Context list");
    EvalSample s;
    s.index = static_cast<int64_t>(i);
    s.id = SourceId(rows[i], "id", i);
    s.kind = "multi_choice";
    s.prep = "answer_tag";
    s.question = Field(d, "Question", where);
    for (const char* letter : {"A", "B", "C"}) s.choices.push_back(std::string(letter) + "." + Field(d["Options"], letter, where));
    s.answer = Field(d, "Correct Option", where);
    std::string context;
    for (size_t k = 0; k < d["Context"].size(); ++k)
      context += (k ? "\n" : "") + d["Context"][k].get<std::string>();
    s.prompt = "Context: " + context + "\n" + MultipleChoicePrompt(s.question, s.choices, reasoning);
    out.push_back(std::move(s));
  }
  return out;
}

// cais/mmlu, one folder per subject: {"question", "choices": [4], "answer": 0..3}.
// MedUniEval's loader raises NameError (it formats an undefined `context`) and joins the
// choices into one string before get_multiple_choice_prompt splits it into characters; we
// prompt as its other multiple-choice sets do ("A.text" lines) and score, as its
// cal_metrics would, against the bare choice texts.
std::vector<EvalSample> LoadMmluMedical(const std::string& dir, bool reasoning) {
  static const char* kSubjects[] = {"anatomy",          "clinical_knowledge",    "college_biology",
                                    "college_medicine", "medical_genetics",      "professional_medicine",
                                    "nutrition",        "virology",              "high_school_biology"};
  std::vector<EvalSample> out;
  for (const char* subject : kSubjects) {
    const std::string path = dir + "/" + subject + "/test.jsonl";
    HM_CHECK(std::filesystem::exists(path), path, ": missing (MMLU-medical needs all 9 medical subjects)");
    const auto rows = ReadJsonLines(path);
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto& r = rows[i];
      const std::string where = Where(path, i);
      HM_CHECK(r.contains("choices") && r["choices"].is_array() && r["choices"].size() == 4, where,
               ": \"choices\" must be a list of 4");
      HM_CHECK(r.contains("answer") && r["answer"].is_number_integer() && r["answer"].get<int>() >= 0 &&
                   r["answer"].get<int>() < 4,
               where, ": \"answer\" must be 0..3");
      EvalSample s;
      s.index = static_cast<int64_t>(out.size());
      s.id = std::string(subject) + "/" + std::to_string(i);
      s.kind = "multi_choice";
      s.prep = "answer_tag";
      s.category = subject;
      s.question = Field(r, "question", where);
      std::vector<std::string> lettered;
      for (int k = 0; k < 4; ++k) {
        s.choices.push_back(r["choices"][k].get<std::string>());
        lettered.push_back(std::string(1, static_cast<char>('A' + k)) + "." + s.choices.back());
      }
      s.answer = std::string(1, static_cast<char>('A' + r["answer"].get<int>()));
      s.prompt = MultipleChoicePrompt(s.question, lettered, reasoning);
      out.push_back(std::move(s));
    }
  }
  return out;
}

namespace {

// One multiple-choice record of MedMCQA or Medbullets: `choices` already lettered.
EvalSample ChoiceSample(size_t i, const nlohmann::json& r, std::vector<std::string> choices, std::string answer,
                        const std::string& where, bool reasoning) {
  EvalSample s;
  s.index = static_cast<int64_t>(i);
  s.id = SourceId(r, "id", i);
  s.kind = "multi_choice";
  s.prep = "answer_tag";
  s.question = Field(r, "question", where);
  s.choices = std::move(choices);
  s.answer = std::move(answer);
  s.prompt = MultipleChoicePrompt(s.question, s.choices, reasoning);
  return s;
}

}  // namespace

// openlifescienceai/medmcqa, validation split: {"question", "opa".."opd", "cop": 0..3}.
std::vector<EvalSample> LoadMedMcqa(const std::string& dir, bool reasoning) {
  const std::string path = dir + "/validation.jsonl";
  std::vector<EvalSample> out;
  const auto rows = ReadJsonLines(path);
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string where = Where(path, i);
    const auto& r = rows[i];
    HM_CHECK(r.contains("cop") && r["cop"].is_number_integer() && r["cop"].get<int>() >= 0 && r["cop"].get<int>() < 4,
             where, ": \"cop\" must be 0..3");
    std::vector<std::string> choices;
    for (const char* key : {"opa", "opb", "opc", "opd"})
      choices.push_back(std::string(1, static_cast<char>('A' + choices.size())) + ". " + Field(r, key, where));
    out.push_back(ChoiceSample(i, r, choices, std::string(1, static_cast<char>('A' + r["cop"].get<int>())), where, reasoning));
  }
  return out;
}

// tuenguyen/Medical-Eval-MedBullets_op4 (train split): {"question", "options": {"A".."D"}, "answer_idx"}.
std::vector<EvalSample> LoadMedbulletsOp4(const std::string& dir, bool reasoning) {
  const std::string path = dir + "/train.jsonl";
  std::vector<EvalSample> out;
  const auto rows = ReadJsonLines(path);
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string where = Where(path, i);
    HM_CHECK(rows[i].contains("options") && rows[i]["options"].is_object(), where, ": no \"options\" object");
    std::vector<std::string> choices;
    for (const auto& [key, value] : rows[i]["options"].items())  // A..D, as the dict iterates
      choices.push_back(key + "." + (value.is_string() ? value.get<std::string>() : value.dump()));
    out.push_back(ChoiceSample(i, rows[i], choices, Field(rows[i], "answer_idx", where), where, reasoning));
  }
  return out;
}

// LangAGI-Lab/medbullets_op5 (train split): {"question", "opa".."ope", "answer_idx"}.
std::vector<EvalSample> LoadMedbulletsOp5(const std::string& dir, bool reasoning) {
  const std::string path = dir + "/train.jsonl";
  std::vector<EvalSample> out;
  const auto rows = ReadJsonLines(path);
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string where = Where(path, i);
    std::vector<std::string> choices;
    for (const char* key : {"opa", "opb", "opc", "opd", "ope"})
      choices.push_back(std::string(1, static_cast<char>('A' + choices.size())) + "." + Field(rows[i], key, where));
    out.push_back(ChoiceSample(i, rows[i], choices, Field(rows[i], "answer_idx", where), where, reasoning));
  }
  return out;
}

}  // namespace hm::eval
