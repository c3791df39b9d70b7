// 3D question answering (M3D) and report generation (IU-Xray): LLaVA-style JSON lists with
// "conversations" [question, answer].
#include "core/error.h"
#include "eval/loaders.h"
#include "eval/prompts.h"
#include "io/json_file.h"

namespace hm::eval {
namespace {

nlohmann::json ReadList(const std::string& path) {
  nlohmann::json rows = ReadJsonFile(path);
  HM_CHECK(rows.is_array(), path, ": expected a JSON list of samples");
  return rows;
}

std::string Turn(const nlohmann::json& record, size_t turn, const std::string& where) {
  HM_CHECK(record.contains("conversations") && record["conversations"].is_array() &&
               record["conversations"].size() > turn,
           where, ": \"conversations\" needs a question and an answer");
  return Field(record["conversations"][turn], "value", where + " conversations[" + std::to_string(turn) + "]");
}

std::string RemoveAll(std::string text, const std::string& what) {
  for (size_t at; (at = text.find(what)) != std::string::npos;) text.erase(at, what.size());
  return text;
}


}  // namespace

// M3D-VQA as MedUniEval reads it (M3D_test.json): {"video": [slice folder], "conversations",
// "Question_Type": OPEN|CLOSE(D), "type": 1..5}. The slice folder's sorted images are the frames.
std::vector<EvalSample> LoadM3d(const std::string& dir, bool reasoning) {
  static const char* kTypes[] = {"Plane", "Phase", "Organ", "Abnormality", "Location"};
  const std::string path = dir + "/M3D_test.json";
  const nlohmann::json rows = ReadList(path);
  std::vector<EvalSample> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const std::string where = path + " record " + std::to_string(i + 1);
    HM_CHECK(r.contains("video") && r["video"].is_array() && !r["video"].empty() && r["video"][0].is_string(), where,
             ": \"video\" must list the slice folder");
    EvalSample s;
    s.index = static_cast<int64_t>(i);
    s.id = SourceId(r, "id", i);
    const std::string question = Turn(r, 0, where);
    s.question = question;
    s.answer = Turn(r, 1, where);
    s.media = {UnderDir(dir, r["video"][0].get<std::string>())};
    std::string qtype = r.value("Question_Type", "OPEN");
    for (char& c : qtype) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const bool closed = qtype == "CLOSE" || qtype == "CLOSED";
    s.kind = closed ? "closed_3d" : "open_3d";
    const int type = r.contains("type") && r["type"].is_number_integer() ? r["type"].get<int>() : 0;
    s.category = type >= 1 && type <= 5 ? kTypes[type - 1] : "Unknown Type " + std::to_string(type);
    const std::string clean = PyStrip(RemoveAll(RemoveAll(question, "<image>\n"), "<video>\n"));
    s.prompt = clean + (closed ? "\nAnswer with the option's letter from the given choices directly."
                               : "\nPlease answer the question concisely.");
    out.push_back(std::move(s));
  }
  return out;
}

// IU-Xray as MedUniEval reads it (iu_xray_test.json): {"image": [paths], "conversations"}.
std::vector<EvalSample> LoadIuXray(const std::string& dir, bool reasoning) {
  const std::string path = dir + "/iu_xray_test.json";
  const nlohmann::json rows = ReadList(path);
  std::vector<EvalSample> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const std::string where = path + " record " + std::to_string(i + 1);
    HM_CHECK(r.contains("image") && r["image"].is_array() && !r["image"].empty(), where,
             ": \"image\" must list the study's images");
    EvalSample s;
    s.index = static_cast<int64_t>(i);
    s.id = SourceId(r, "id", i);
    s.kind = "report";
    s.prep = "report_headings";
    s.category = "report";
    for (const auto& image : r["image"]) s.media.push_back(UnderDir(dir, image.get<std::string>()));
    s.answer = Turn(r, 1, where);
    s.prompt = ReportGenerationPrompt();
    s.question = s.prompt;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace hm::eval
