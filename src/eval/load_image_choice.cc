// 2D multiple choice over images: OmniMedVQA, MedFrameQA, MMMU (Health and Medicine).
#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "eval/jsonl.h"
#include "eval/loaders.h"
#include "eval/prompts.h"
#include "io/json_file.h"

namespace hm::eval {
namespace {

std::string Where(const std::string& path, size_t row) { return path + " record " + std::to_string(row + 1); }

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
  for (const std::string& path : files) {
    const nlohmann::json rows = ReadJsonFile(path);
    HM_CHECK(rows.is_array(), path, ": expected a JSON list of questions");
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto& r = rows[i];
      const std::string where = Where(path, i);
      EvalSample s;
      s.index = static_cast<int64_t>(out.size());
      s.id = SourceId(r, "question_id", out.size());
      s.kind = "multi_choice";
      s.prep = "answer_tag";
      s.category = r.value("modality_type", "");
      s.question = Field(r, "question", where);
      s.answer = Field(r, "gt_answer", where);
      const std::string gold_text = s.answer;
      for (const char* letter : {"A", "B", "C", "D"}) {
        const std::string key = std::string("option_") + letter;
        if (!r.contains(key)) continue;
        const std::string choice = Field(r, key.c_str(), where);
        if (choice == gold_text) s.answer = letter;
        s.choices.push_back(std::string(letter) + ". " + choice);
      }
      s.media = {UnderDir(dir, Field(r, "image_path", where))};
      s.prompt = MultipleChoicePrompt(s.question, s.choices, reasoning);
      out.push_back(std::move(s));
    }
  }
  return out;
}

// SuhaoYu1020/MedFrameQA (parquet converted to test.jsonl): {"question", "options": [..],
// "correct_answer": letter, "image_1".."image_5" (null when absent), "modality"}. Its
// cal_metrics scores the raw response (no <answer> cut) and tables CT, MRI, ultrasound,
// X-ray and Other.
std::vector<EvalSample> LoadMedFrameQa(const std::string& dir, bool reasoning) {
  const std::string path = dir + "/test.jsonl";
  std::vector<EvalSample> out;
  const auto rows = ReadJsonLines(path);
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const std::string where = Where(path, i);
    HM_CHECK(r.contains("options") && r["options"].is_array(), where, ": \"options\" must be a list");
    EvalSample s;
    s.index = static_cast<int64_t>(i);
    s.id = SourceId(r, "question_id", i);
    s.kind = "multi_choice";
    s.prep = "";
    const std::string modality = r.value("modality", "");
    s.category = modality == "CT" || modality == "MRI" || modality == "ultrasound" || modality == "X-ray" ? modality
                                                                                                          : "Other";
    s.question = Field(r, "question", where);
    for (size_t k = 0; k < r["options"].size(); ++k)
      s.choices.push_back(Letter(k) + "." + (r["options"][k].is_string() ? r["options"][k].get<std::string>()
                                                                         : r["options"][k].dump()));
    s.answer = Field(r, "correct_answer", where);
    for (int k = 1; k <= 5; ++k)
      if (auto image = ImageColumn(dir, r, "image_" + std::to_string(k), where)) s.media.push_back(*image);
    s.prompt = MultipleChoicePrompt(s.question, s.choices, reasoning);
    out.push_back(std::move(s));
  }
  return out;
}

// MMMU/MMMU, validation split of the five Health and Medicine subjects
// (<Subject>/validation-*.parquet converted to <Subject>/validation.jsonl): {"id", "question",
// "options": a Python list literal, "answer", "image_1".., "question_type": multiple-choice|open}.
// MedUniEval shows image_1 only (none when the options hold images) and cuts <answer>/\boxed{}.
// It then scores with MMMU's own parse_multi_choice_response / eval_open; we score with
// MedUniEval's multiple-choice and open rules (docs/eval_run.md lists the difference).
std::vector<EvalSample> LoadMmmuMedicalVal(const std::string& dir, bool reasoning) {
  static const char* kSubjects[] = {"Basic_Medical_Science", "Clinical_Medicine", "Diagnostics_and_Laboratory_Medicine",
                                    "Pharmacy", "Public_Health"};
  std::vector<EvalSample> out;
  for (const char* subject : kSubjects) {
    const std::string path = dir + "/" + subject + "/validation.jsonl";
    HM_CHECK(std::filesystem::exists(path), path, ": missing (MMMU-Medical needs all 5 Health and Medicine subjects)");
    const auto rows = ReadJsonLines(path);
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto& r = rows[i];
      const std::string where = Where(path, i);
      EvalSample s;
      s.index = static_cast<int64_t>(out.size());
      s.id = SourceId(r, "id", i);
      s.category = subject;
      s.question = Field(r, "question", where);
      s.answer = Field(r, "answer", where);
      const std::string options = Field(r, "options", where);
      if (Field(r, "question_type", where) == "multiple-choice") {
        s.kind = "multi_choice";
        s.prep = "boxed_or_answer_tag";
        for (const std::string& o : PythonStringList(options).value_or(std::vector<std::string>{}))
          s.choices.push_back(Letter(s.choices.size()) + ". " + o);
        s.prompt = MultipleChoicePrompt(s.question, s.choices, reasoning);
      } else {
        s.kind = "open_ended";
        s.prep = "boxed_or_answer_tag_lower";
        s.prompt = s.question + "\n" + (reasoning ? "Answer the question using a single word or phrase and put the "
                                                    "answer in one \"\\boxed{}\"."
                                                  : "Answer the question using a single word or phrase.");
      }
      size_t option_images = 0;
      for (size_t at = 0; (at = options.find("<img='", at)) != std::string::npos; ++at) ++option_images;
      if (option_images <= 1)
        if (auto image = ImageColumn(dir + "/" + subject, r, "image_1", where)) s.media.push_back(*image);
      out.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace hm::eval
