// 2D multiple choice over images: OmniMedVQA, MedFrameQA, MMMU (Health and Medicine).
#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "eval/jsonl.h"
#include "eval/loaders.h"
#include "eval/prompts.h"
#include "eval/source_records.h"
#include "io/json_file.h"

namespace hm::eval {
namespace {

std::string Letter(size_t i) { return std::string(1, static_cast<char>('A' + i)); }

// A converted parquet image column: the path the converter wrote, or null for no image.
std::optional<std::string> ImageColumn(const std::string& dir, const nlohmann::json& r, const std::string& name,
                                       const std::string& where) {
  if (!r.contains(name) || r[name].is_null()) return std::nullopt;
  HM_CHECK(r[name].is_string(), where, ": \"", name, "\" must be an image path (convert the parquet file with "
           "tools/eval/parquet_to_jsonl.mjs)");
  return UnderDir(dir, r[name].get<std::string>());
}

// Python's ast.literal_eval of a list of string literals, as MMMU stores its options
// ("['a', \"b's\"]"); nullopt where it would raise (MedUniEval then prompts with no options).
std::optional<std::vector<std::string>> PythonStringList(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  auto skip_space = [&] { while (i < text.size() && PyIsSpace(static_cast<unsigned char>(text[i]))) ++i; };
  skip_space();
  if (i >= text.size() || text[i++] != '[') return std::nullopt;
  for (skip_space(); i < text.size() && text[i] != ']'; skip_space()) {
    const char quote = text[i++];
    if (quote != '\'' && quote != '"') return std::nullopt;
    std::string item;
    for (; i < text.size() && text[i] != quote; ++i) {
      if (text[i] != '\\' || i + 1 >= text.size()) { item += text[i]; continue; }
      const char e = text[++i];
      item += e == 'n' ? '\n' : e == 't' ? '\t' : e;  // \\, \', \" stand for themselves
    }
    if (i++ >= text.size()) return std::nullopt;  // unterminated
    out.push_back(std::move(item));
    skip_space();
    if (i < text.size() && text[i] == ',') ++i;
  }
  if (i >= text.size()) return std::nullopt;
  return out;
}

}  // namespace

// foreverbeliever/OmniMedVQA (OmniMedVQA.zip unpacked): QA_information/Open-access/*.json, each
// a list of {"question_id", "question", "gt_answer", "option_A".."option_D"?, "image_path"
// (relative to the dataset folder), "question_type", "modality_type"}. MedUniEval reads the files
// in os.listdir order; we sort them so the order (and every sample's index) is stable.
// The gold becomes the letter of the option equal to gt_answer (else it stays the text).
std::vector<EvalSample> LoadOmniMedVqa(const std::string& dir, bool reasoning) {
  const std::filesystem::path qa = std::filesystem::path(dir) / "QA_information" / "Open-access";
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(qa))
    if (e.path().extension() == ".json") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  std::vector<EvalSample> out;
  for (const std::string& path : files)
    AppendSamples(path, ReadJsonFile(path), [&](const SourceRecord& r) -> std::optional<EvalSample> {
      const std::string gold_text = Field(r.json, "gt_answer", r.where);
      std::string answer = gold_text;
      std::vector<std::string> choices;
      for (const char* letter : {"A", "B", "C", "D"}) {
        const std::string key = std::string("option_") + letter;
        if (!r.json.contains(key)) continue;
        const std::string choice = Field(r.json, key.c_str(), r.where);
        if (choice == gold_text) answer = letter;
        choices.push_back(std::string(letter) + ". " + choice);
      }
      EvalSample s = MultipleChoiceSample(SourceId(r.json, "question_id", out.size()),
                                          Field(r.json, "question", r.where), std::move(choices), std::move(answer),
                                          reasoning);
      s.category = r.json.value("modality_type", "");
      s.media = {UnderDir(dir, Field(r.json, "image_path", r.where))};
      return s;
    }, out);
  return out;
}

// SuhaoYu1020/MedFrameQA (parquet converted to test.jsonl): {"question", "options": [..],
// "correct_answer": letter, "image_1".."image_5" (null when absent), "modality"}. Its
// cal_metrics scores the raw response (no <answer> cut) and tables CT, MRI, ultrasound,
// X-ray and Other.
std::vector<EvalSample> LoadMedFrameQa(const std::string& dir, bool reasoning) {
  return SamplesFromJsonLines(dir + "/test.jsonl", [&](const SourceRecord& r) -> std::optional<EvalSample> {
    HM_CHECK(r.json.contains("options") && r.json["options"].is_array(), r.where, ": \"options\" must be a list");
    std::vector<std::string> choices;
    for (const auto& option : r.json["options"])
      choices.push_back(Letter(choices.size()) + "." +
                        (option.is_string() ? option.get<std::string>() : option.dump()));
    EvalSample s = MultipleChoiceSample(SourceId(r.json, "question_id", r.position), Field(r.json, "question", r.where),
                                        std::move(choices), Field(r.json, "correct_answer", r.where), reasoning);
    s.prep = "";
    const std::string modality = r.json.value("modality", "");
    s.category = modality == "CT" || modality == "MRI" || modality == "ultrasound" || modality == "X-ray" ? modality
                                                                                                          : "Other";
    for (int k = 1; k <= 5; ++k)
      if (auto image = ImageColumn(dir, r.json, "image_" + std::to_string(k), r.where)) s.media.push_back(*image);
    return s;
  });
}

// MMMU/MMMU, validation split of the five Health and Medicine subjects
// (<Subject>/validation-*.parquet converted to <Subject>/validation.jsonl): {"id", "question",
// "options": a Python list literal, "answer", "image_1".., "question_type": multiple-choice|open}.
// MedUniEval shows image_1 only (none when the options hold images) and scores with MMMU's own
// rules (mmmu_rules.h), which make their own cut of the response.
std::vector<EvalSample> LoadMmmuMedicalVal(const std::string& dir, bool reasoning) {
  static const char* kSubjects[] = {"Basic_Medical_Science", "Clinical_Medicine", "Diagnostics_and_Laboratory_Medicine",
                                    "Pharmacy", "Public_Health"};
  std::vector<EvalSample> out;
  for (const char* subject : kSubjects) {
    const std::string path = dir + "/" + subject + "/validation.jsonl";
    HM_CHECK(std::filesystem::exists(path), path, ": missing (MMMU-Medical needs all 5 Health and Medicine subjects)");
    AppendSamples(path, ReadJsonLines(path), [&](const SourceRecord& r) -> std::optional<EvalSample> {
      const std::string options = Field(r.json, "options", r.where);
      EvalSample s;
      if (Field(r.json, "question_type", r.where) == "multiple-choice") {
        std::vector<std::string> choices;
        for (const std::string& o : PythonStringList(options).value_or(std::vector<std::string>{}))
          choices.push_back(Letter(choices.size()) + ". " + o);
        s = MultipleChoiceSample("", Field(r.json, "question", r.where), std::move(choices),
                                 Field(r.json, "answer", r.where), reasoning);
        s.kind = "mmmu_multi_choice";
        s.prep = "";
      } else {
        s.kind = "mmmu_open";
        s.prep = "";
        s.question = Field(r.json, "question", r.where);
        s.answer = Field(r.json, "answer", r.where);
        s.prompt = s.question + "\n" + (reasoning ? "Answer the question using a single word or phrase and put the "
                                                    "answer in one \"\\boxed{}\"."
                                                  : "Answer the question using a single word or phrase.");
      }
      s.id = SourceId(r.json, "id", r.position);
      s.category = subject;
      size_t option_images = 0;
      for (size_t at = 0; (at = options.find("<img='", at)) != std::string::npos; ++at) ++option_images;
      if (option_images <= 1)
        if (auto image = ImageColumn(dir + "/" + subject, r.json, "image_1", r.where)) s.media.push_back(*image);
      return s;
    }, out);
  }
  return out;
}

}  // namespace hm::eval
