// 3D question answering (M3D, 3D-RAD in MedUniEval's form) and report generation (IU-Xray,
// and MIMIC-CXR and CheXpert Plus in MedUniEval's form): LLaVA-style JSON lists with "conversations"
// [question, answer], and the sample builders the published-format loaders share.
#include <filesystem>
#include <functional>

#include "core/error.h"
#include "eval/loaders.h"
#include "eval/prompts.h"
#include "eval/source_records.h"
#include "io/json_file.h"

namespace hm::eval {
namespace {

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

// A 3D question list as MedUniEval reads it: {"video": [slice folder], "conversations",
// "Question_Type": OPEN|CLOSE(D), "type"}. The slice folder's sorted images are the frames;
// `category` names the table the sample counts in from its "type".
std::vector<EvalSample> LoadVolumeQuestions(const std::string& dir, const std::string& file,
                                            const std::function<std::string(const nlohmann::json&)>& category) {
  return SamplesFromJsonList(dir + "/" + file, [&](const SourceRecord& r) -> std::optional<EvalSample> {
    HM_CHECK(r.json.contains("video") && r.json["video"].is_array() && !r.json["video"].empty() &&
                 r.json["video"][0].is_string(),
             r.where, ": \"video\" must list the slice folder");
    EvalSample s = VolumeQuestion(Turn(r.json, 0, r.where), Turn(r.json, 1, r.where),
                                  r.json.value("Question_Type", "OPEN"), category(r.json));
    s.id = SourceId(r.json, "id", r.position);
    s.media = {UnderDir(dir, r.json["video"][0].get<std::string>())};
    return s;
  });
}

}  // namespace

bool ClosedQuestionType(std::string question_type) {
  for (char& c : question_type) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return question_type == "CLOSE" || question_type == "CLOSED";
}

EvalSample VolumeQuestion(const std::string& question, std::string answer, const std::string& question_type,
                          std::string category) {
  EvalSample s;
  s.question = question;
  s.answer = std::move(answer);
  const bool closed = ClosedQuestionType(question_type);
  s.kind = closed ? "closed_3d" : "open_3d";
  s.category = std::move(category);
  const std::string clean = PyStrip(RemoveAll(RemoveAll(question, "<image>\n"), "<video>\n"));
  s.prompt = clean + (closed ? "\nAnswer with the option's letter from the given choices directly."
                             : "\nPlease answer the question concisely.");
  return s;
}

std::pair<std::string, std::string> WithChoices(const std::string& question, const char* separator,
                                                const std::vector<std::string>& choices, const std::string& letter,
                                                const std::string& answer, const std::string& where) {
  std::string listed;
  for (size_t k = 0; k < choices.size(); ++k)
    if (!choices[k].empty() && choices[k] != "-")
      listed += (listed.empty() ? "Choices: " : " ") + std::string(1, static_cast<char>('A' + k)) + ". " + choices[k];
  HM_CHECK(!listed.empty(), where, ": a closed question without choices");
  return {question + separator + listed, letter + ". " + answer};
}

std::string Rad3dCategory(const std::string& type) { return PyReplace(type, "_", " "); }

std::string M3dCategory(int type) {
  static const char* kTypes[] = {"Plane", "Phase", "Organ", "Abnormality", "Location"};
  return type >= 1 && type <= 5 ? kTypes[type - 1] : "Unknown Type " + std::to_string(type);
}

// M3D-VQA as MedUniEval reads it (M3D_test.json), "type" 1..5.
std::vector<EvalSample> LoadM3dMedUniEvalJson(const std::string& dir) {
  return LoadVolumeQuestions(dir, "M3D_test.json", [](const nlohmann::json& r) {
    return M3dCategory(r.contains("type") && r["type"].is_number_integer() ? r["type"].get<int>() : 0);
  });
}

// 3D-RAD as MedUniEval reads it (Rad3D_test.json), "type" a task name such as
// "Medical_Computation" (shown as in its TYPE_MAPPING: underscores become spaces).
std::vector<EvalSample> LoadRad3dMedUniEvalJson(const std::string& dir) {
  return LoadVolumeQuestions(dir, "Rad3D_test.json", [](const nlohmann::json& r) {
    return r.contains("type") && r["type"].is_string() ? Rad3dCategory(r["type"].get<std::string>())
                                                       : std::string("Unknown");
  });
}

EvalSample ReportSample(std::vector<std::string> images, std::string report) {
  EvalSample s;
  s.kind = "report";
  s.prep = "report_headings";
  s.category = "report";
  s.media = std::move(images);
  s.answer = std::move(report);
  s.prompt = ReportGenerationPrompt();
  s.question = s.prompt;
  return s;
}

// A report list as MedUniEval reads it: {"image": [paths], "conversations": [prompt, report]},
// paths relative to the folder. `first_image_only`: CheXpert Plus shows image[0] only.
std::vector<EvalSample> LoadReportList(const std::string& dir, const std::string& file, bool first_image_only) {
  return SamplesFromJsonList(dir + "/" + file, [&](const SourceRecord& r) -> std::optional<EvalSample> {
    HM_CHECK(r.json.contains("image") && r.json["image"].is_array() && !r.json["image"].empty(), r.where,
             ": \"image\" must list the study's images");
    std::vector<std::string> images;
    for (const auto& image : r.json["image"]) {
      HM_CHECK(image.is_string(), r.where, ": \"image\" holds a non-string path");
      images.push_back(UnderDir(dir, image.get<std::string>()));
      if (first_image_only) break;
    }
    EvalSample s = ReportSample(std::move(images), Turn(r.json, 1, r.where));
    s.id = SourceId(r.json, "id", r.position);
    return s;
  });
}

// IU-Xray, every view of a study: the test split of annotation.json as report-generation work
// distributes IU-Xray (R2Gen's iu_xray release: {"test": [{"id", "report", "image_path":
// [<study>/<n>.png ..]}], the images under images/); OpenI's own release has no split. Without
// annotation.json, MedUniEval's own iu_xray_test.json.
std::vector<EvalSample> LoadIuXray(const std::string& dir, bool) {
  const std::string path = dir + "/annotation.json";
  if (!std::filesystem::exists(path)) return LoadReportList(dir, "iu_xray_test.json", false);
  const nlohmann::json annotation = ReadJsonFile(path);
  HM_CHECK(annotation.is_object() && annotation.contains("test"), path, ": expected {\"test\": [...]} (R2Gen's split)");
  std::vector<EvalSample> out;
  AppendSamples(path, annotation["test"], [&](const SourceRecord& r) -> std::optional<EvalSample> {
    HM_CHECK(r.json.contains("image_path") && r.json["image_path"].is_array() && !r.json["image_path"].empty(), r.where,
             ": \"image_path\" must list the study's images");
    std::vector<std::string> images;
    for (const auto& image : r.json["image_path"]) {
      HM_CHECK(image.is_string(), r.where, ": \"image_path\" holds a non-string path");
      images.push_back(UnderDir(dir, "images/" + image.get<std::string>()));
    }
    EvalSample s = ReportSample(std::move(images), Field(r.json, "report", r.where));
    s.id = SourceId(r.json, "id", r.position);
    return s;
  }, out);
  return out;
}

}  // namespace hm::eval
