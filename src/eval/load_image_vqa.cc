// 2D visual question answering: VQA-RAD, PATH-VQA, SLAKE, PMC-VQA.
#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "eval/csv.h"
#include "eval/loaders.h"
#include "eval/prompts.h"
#include "eval/source_records.h"

namespace hm::eval {
namespace {

// A converted flaviagiammarino parquet (VQA-RAD, PATH-VQA): {"image": "images/..", "question",
// "answer"}. Yes/no answers are judgement questions, the rest open; cal_metrics lowercases and
// strips both answer and response before scoring. VQA-RAD picks the prompt by the lowercased
// answer, PATH-VQA by the answer as stored (so a "Yes" gets the open prompt there).
std::vector<EvalSample> LoadYesNoOrOpenVqa(const std::string& dir, bool prompt_by_lowercase, bool reasoning) {
  return SamplesFromJsonLines(dir + "/test.jsonl", [&](const SourceRecord& r) -> std::optional<EvalSample> {
    EvalSample s;
    s.id = std::to_string(r.position);
    s.question = Field(r.json, "question", r.where);
    const std::string stored = Field(r.json, "answer", r.where);
    s.answer = PyStrip(PyLower(stored));
    s.media = {UnderDir(dir, Field(r.json, "image", r.where))};
    const bool closed = s.answer == "yes" || s.answer == "no";
    s.kind = closed ? "judgement" : "open_ended";
    s.category = closed ? "close" : "open";
    s.prep = "boxed_or_answer_tag_lower";
    const std::string by = prompt_by_lowercase ? PyLower(stored) : stored;
    s.prompt =
        by == "yes" || by == "no" ? JudgementPrompt(s.question, reasoning) : OpenEndedPrompt(s.question, reasoning);
    return s;
  });
}

}  // namespace

std::vector<EvalSample> LoadVqaRad(const std::string& dir, bool reasoning) {
  return LoadYesNoOrOpenVqa(dir, /*prompt_by_lowercase=*/true, reasoning);
}

std::vector<EvalSample> LoadPathVqa(const std::string& dir, bool reasoning) {
  return LoadYesNoOrOpenVqa(dir, /*prompt_by_lowercase=*/false, reasoning);
}

// BoKelvin/SLAKE: test.json, a list of {"qid", "img_name", "question", "answer",
// "answer_type": OPEN|CLOSED, "q_lang": en|zh}, images under imgs/. English questions only.
std::vector<EvalSample> LoadSlake(const std::string& dir, bool reasoning) {
  return SamplesFromJsonList(dir + "/test.json", [&](const SourceRecord& r) -> std::optional<EvalSample> {
    if (Field(r.json, "q_lang", r.where) == "zh") return std::nullopt;
    EvalSample s;
    s.id = SourceId(r.json, "qid", r.position);
    s.question = Field(r.json, "question", r.where);
    s.answer = Field(r.json, "answer", r.where);
    s.media = {UnderDir(dir, "imgs/" + Field(r.json, "img_name", r.where))};
    const bool open = Field(r.json, "answer_type", r.where) == "OPEN";
    const std::string answer = PyLower(s.answer);
    s.kind = open ? "open_ended" : (answer == "yes" || answer == "no") ? "judgement" : "close_ended";
    s.category = open ? "open" : "close";
    s.prep = "boxed_or_answer_tag";
    s.prompt = open ? OpenEndedPrompt(s.question, reasoning) : CloseEndedPrompt(s.question, reasoning);
    return s;
  });
}

// RadGenome/PMC-VQA: test_2.csv with columns index, Figure_path, Caption, Question,
// Choice A..D, Answer, split; figures under figures/ (else images/).
std::vector<EvalSample> LoadPmcVqa(const std::string& dir, bool reasoning) {
  const std::string path = dir + "/test_2.csv";
  const auto rows = ReadCsvFile(path);
  std::vector<EvalSample> out;
  for (size_t i = 1; i < rows.size(); ++i) {  // row 0 is the header
    const auto& r = rows[i];
    HM_CHECK(r.size() == 10, path, " row ", i + 1, ": expected 10 columns, found ", r.size());
    EvalSample s;
    s.index = static_cast<int64_t>(out.size());
    s.id = r[0];
    s.kind = "multi_choice";
    s.question = r[3];
    s.choices = {r[4], r[5], r[6], r[7]};
    s.answer = r[8];
    std::string figure = UnderDir(dir, "figures/" + r[1]);
    if (!std::filesystem::exists(figure)) figure = UnderDir(dir, "images/" + r[1]);
    s.media = {figure};
    s.prompt = MultipleChoicePrompt(s.question, s.choices, reasoning);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace hm::eval
