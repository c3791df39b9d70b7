// Text multiple-choice benchmarks: MedQA-USMLE, PubMedQA, MMLU (medical subjects), MedMCQA,
// Medbullets op4/op5.
#include <filesystem>

#include "core/error.h"
#include "eval/jsonl.h"
#include "eval/loaders.h"
#include "eval/prompts.h"
#include "eval/source_records.h"

namespace hm::eval {
namespace {

std::string Letter(size_t i) { return std::string(1, static_cast<char>('A' + i)); }

// An integer answer index 0..count-1 as its letter.
std::string IndexLetter(const SourceRecord& r, const char* name, int count) {
  const auto& v = r.json.contains(name) ? r.json[name] : nlohmann::json();
  HM_CHECK(v.is_number_integer() && v.get<int>() >= 0 && v.get<int>() < count, r.where, ": \"", name, "\" must be 0..",
           count - 1);
  return Letter(static_cast<size_t>(v.get<int>()));
}

}  // namespace

EvalSample MultipleChoiceSample(std::string id, std::string question, std::vector<std::string> choices,
                                std::string answer, bool reasoning) {
  EvalSample s;
  s.id = std::move(id);
  s.kind = "multi_choice";
  s.prep = "answer_tag";
  s.question = std::move(question);
  s.choices = std::move(choices);
  s.answer = std::move(answer);
  s.prompt = MultipleChoicePrompt(s.question, s.choices, reasoning);
  return s;
}

// GBaker/MedQA-USMLE-4-options: {"question", "options": {"A".."D"}, "answer_idx", ...}.
std::vector<EvalSample> LoadMedQaUsmle(const std::string& dir, bool reasoning) {
  return SamplesFromJsonLines(dir + "/test.jsonl", [&](const SourceRecord& r) -> std::optional<EvalSample> {
    HM_CHECK(r.json.contains("options") && r.json["options"].is_object(), r.where, ": no \"options\" object");
    std::vector<std::string> choices;
    for (const char* letter : {"A", "B", "C", "D"})
      choices.push_back(std::string(letter) + ". " + Field(r.json["options"], letter, r.where));
    return MultipleChoiceSample(std::to_string(r.position), Field(r.json, "question", r.where), std::move(choices),
                                Field(r.json, "answer_idx", r.where), reasoning);
  });
}

// openlifescienceai/pubmedqa: {"id", "data": {"Question", "Context": [...], "Options": {"A".."C"},
// "Correct Option"}}. The context goes before the question, joined by newlines.
std::vector<EvalSample> LoadPubMedQa(const std::string& dir, bool reasoning) {
  return SamplesFromJsonLines(dir + "/test.jsonl", [&](const SourceRecord& r) -> std::optional<EvalSample> {
    HM_CHECK(r.json.contains("data") && r.json["data"].is_object(), r.where, ": no \"data\" object");
    const auto& d = r.json["data"];
    HM_CHECK(d.contains("Options") && d["Options"].is_object(), r.where, ": no data.Options object");
    HM_CHECK(d.contains("Context") && d["Context"].is_array(), r.where, ": no data.Context list");
    std::vector<std::string> choices;
    for (const char* letter : {"A", "B", "C"})
      choices.push_back(std::string(letter) + "." + Field(d["Options"], letter, r.where));
    EvalSample s = MultipleChoiceSample(SourceId(r.json, "id", r.position), Field(d, "Question", r.where),
                                        std::move(choices), Field(d, "Correct Option", r.where), reasoning);
    std::string context;
    for (size_t k = 0; k < d["Context"].size(); ++k) context += (k ? "\n" : "") + d["Context"][k].get<std::string>();
    s.prompt = "Context: " + context + "\n" + s.prompt;
    return s;
  });
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
    AppendSamples(path, ReadJsonLines(path), [&](const SourceRecord& r) -> std::optional<EvalSample> {
      HM_CHECK(r.json.contains("choices") && r.json["choices"].is_array() && r.json["choices"].size() == 4, r.where,
               ": \"choices\" must be a list of 4");
      std::vector<std::string> bare, lettered;
      for (size_t k = 0; k < 4; ++k) {
        bare.push_back(r.json["choices"][k].get<std::string>());
        lettered.push_back(Letter(k) + "." + bare.back());
      }
      EvalSample s = MultipleChoiceSample(std::string(subject) + "/" + std::to_string(r.position),
                                          Field(r.json, "question", r.where), std::move(lettered),
                                          IndexLetter(r, "answer", 4), reasoning);
      s.choices = std::move(bare);
      s.category = subject;
      return s;
    }, out);
  }
  return out;
}

// openlifescienceai/medmcqa, validation split: {"question", "opa".."opd", "cop": 0..3}.
std::vector<EvalSample> LoadMedMcqa(const std::string& dir, bool reasoning) {
  return SamplesFromJsonLines(dir + "/validation.jsonl", [&](const SourceRecord& r) -> std::optional<EvalSample> {
    const std::string answer = IndexLetter(r, "cop", 4);
    std::vector<std::string> choices;
    for (const char* key : {"opa", "opb", "opc", "opd"})
      choices.push_back(Letter(choices.size()) + ". " + Field(r.json, key, r.where));
    return MultipleChoiceSample(SourceId(r.json, "id", r.position), Field(r.json, "question", r.where),
                                std::move(choices), answer, reasoning);
  });
}

// tuenguyen/Medical-Eval-MedBullets_op4 (train split): {"question", "options": {"A".."D"}, "answer_idx"}.
std::vector<EvalSample> LoadMedbulletsOp4(const std::string& dir, bool reasoning) {
  return SamplesFromJsonLines(dir + "/train.jsonl", [&](const SourceRecord& r) -> std::optional<EvalSample> {
    HM_CHECK(r.json.contains("options") && r.json["options"].is_object(), r.where, ": no \"options\" object");
    std::vector<std::string> choices;
    for (const auto& [key, value] : r.json["options"].items())  // A..D, as the dict iterates
      choices.push_back(key + "." + (value.is_string() ? value.get<std::string>() : value.dump()));
    return MultipleChoiceSample(SourceId(r.json, "id", r.position), Field(r.json, "question", r.where),
                                std::move(choices), Field(r.json, "answer_idx", r.where), reasoning);
  });
}

// LangAGI-Lab/medbullets_op5 (train split): {"question", "opa".."ope", "answer_idx"}.
std::vector<EvalSample> LoadMedbulletsOp5(const std::string& dir, bool reasoning) {
  return SamplesFromJsonLines(dir + "/train.jsonl", [&](const SourceRecord& r) -> std::optional<EvalSample> {
    std::vector<std::string> choices;
    for (const char* key : {"opa", "opb", "opc", "opd", "ope"})
      choices.push_back(Letter(choices.size()) + "." + Field(r.json, key, r.where));
    return MultipleChoiceSample(SourceId(r.json, "id", r.position), Field(r.json, "question", r.where),
                                std::move(choices), Field(r.json, "answer_idx", r.where), reasoning);
  });
}

}  // namespace hm::eval
