// The phantom world (`hulumed data phantoms`) as a benchmark: its samples.jsonl, in the
// training format, asked as training asked them (the human turn, media first) and scored by
// answer matching against the gpt turn.
#include <algorithm>

#include "core/error.h"
#include "data/data_record.h"
#include "data/record_media.h"
#include "eval/jsonl.h"
#include "eval/loaders.h"

namespace hm::eval {
namespace {

// Families with a short known answer, and the report (text scores). Captions and open QA are
// left out: free text that the report already measures.
bool Evaluated(const std::string& family) {
  static const char* kFamilies[] = {"modality", "body_region", "lesion_presence", "lesion_count", "laterality",
                                    "size_class", "slice",      "frame",           "change",       "report",
                                    "text_only"};
  return std::any_of(std::begin(kFamilies), std::end(kFamilies), [&](const char* f) { return family == f; });
}

// The human turn without its media placeholders, stripped: the text part training gave.
std::string PromptText(std::string human) {
  for (const char* placeholder : {"<image>", "<video>"})
    for (size_t at; (at = human.find(placeholder)) != std::string::npos;) human.erase(at, std::string(placeholder).size());
  return PyStrip(human);
}

// "Which modality?\nA. CT\nB. MRI" -> the option lines, as the MedUniEval loaders build choices.
std::vector<std::string> OptionLines(const std::string& question) {
  std::vector<std::string> options;
  size_t start = 0;
  while (start <= question.size()) {
    const size_t end = std::min(question.find('\n', start), question.size());
    const std::string line = question.substr(start, end - start);
    if (line.size() > 3 && line[0] == static_cast<char>('A' + options.size()) && line[1] == '.' && line[2] == ' ')
      options.push_back(line);
    start = end + 1;
  }
  return options;
}

std::string KindOf(const std::string& family, const std::string& format, const std::string& where) {
  if (family == "report") return "report";
  if (format == "closed") return "judgement";
  if (format == "mcq") return "multi_choice";
  HM_CHECK(format == "open", where, ": unknown \"format\" '", format, "' (expected closed, open or mcq)");
  return "close_ended";
}

}  // namespace

std::vector<EvalSample> LoadPhantoms(const std::string& dir, bool /*reasoning: the world's own prompts*/) {
  const std::string path = dir + "/samples.jsonl";
  const auto rows = ReadJsonLines(path);
  std::vector<EvalSample> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const std::string where = path + ":" + std::to_string(i + 1);
    const std::string family = Field(r, "family", where);
    if (!Evaluated(family)) continue;
    HM_CHECK(r.contains("conversations") && r["conversations"].is_array() && !r["conversations"].empty(), where,
             ": no \"conversations\"");
    EvalSample s;
    s.index = static_cast<int64_t>(out.size());
    s.id = Field(r, "id", where);
    s.category = family;
    s.kind = KindOf(family, Field(r, "format", where), where);
    s.answer = Field(r, "answer", where);
    s.prompt = PromptText(Field(r["conversations"][0], "value", where + " conversations[0]"));
    s.question = s.prompt;
    if (s.kind == "multi_choice") {
      s.choices = OptionLines(s.prompt);
      HM_CHECK(!s.choices.empty(), where, ": a multiple-choice question without \"A. ...\" option lines");
    }
    try {
      for (const MediaRef& m : ParseDataRecord(r, dir).media) s.media_specs.push_back(RecordMediaSpec(m));
    } catch (const Error& e) {
      throw Error(where + ": " + e.what());
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace hm::eval
