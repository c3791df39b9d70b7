// 3D-RAD as its authors publish it (github Tang-xiaoxiao/3D-RAD folder 3DRAD/, and the
// Hugging Face dataset Tang-xiaoxiao/3D-RAD): test/Task<N>_<Name>/<subtask>.csv with columns
// Task, Subtask, VolumeName, Question, Answer, QuestionType (Open|Close), AnswerChoice and
// Choice A..D ("-" when unused), over CT-RATE volumes named by VolumeName. Without the test/
// folder, MedUniEval's own Rad3D_test.json is read instead.
#include <algorithm>
#include <filesystem>
#include <tuple>

#include "core/error.h"
#include "eval/csv.h"
#include "eval/array_images.h"
#include "eval/loaders.h"

namespace hm::eval {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> Sorted(const fs::path& folder, bool folders) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(folder))
    if (folders ? e.is_directory() : e.path().extension() == ".csv") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// "Task3_Medical_Computation" -> "Medical Computation": the task's table, named as MedUniEval
// names its 3D-RAD types (underscores become spaces).
std::string TaskCategory(const std::string& folder) {
  const size_t underscore = folder.find('_');
  return Rad3dCategory(folder.rfind("Task", 0) == 0 && underscore != std::string::npos ? folder.substr(underscore + 1)
                                                                                       : folder);
}

// One CSV row as a question: a closed one lists its choices and is answered "B. No"
// (MedUniEval's closed 3D rule compares the leading letters); an open one by the Answer text.
EvalSample RowQuestion(const CsvTable& table, size_t row, const std::string& category) {
  const std::string type = table.at(row, "QuestionType");
  std::string question = table.at(row, "Question"), answer = table.at(row, "Answer");
  if (ClosedQuestionType(type)) {
    std::vector<std::string> choices;
    for (const char* letter : {"A", "B", "C", "D"}) {
      const std::string column = std::string("Choice ") + letter;
      choices.push_back(table.has(column) ? table.at(row, column) : "");
    }
    std::tie(question, answer) =
        WithChoices(question, "\n", choices, table.at(row, "AnswerChoice"), answer, table.where(row));
  }
  return VolumeQuestion(question, answer, type, category);
}

}  // namespace

std::vector<EvalSample> LoadRad3d(const std::string& dir, bool) {
  const fs::path test = fs::path(dir) / "test";
  if (!fs::is_directory(test)) return LoadRad3dMedUniEvalJson(dir);
  const fs::path volumes = fs::path(dir) / "volumes";
  std::vector<EvalSample> out;
  for (const fs::path& task : Sorted(test, true)) {
    const std::string category = TaskCategory(task.filename().string());
    for (const fs::path& csv : Sorted(task, false)) {
      const CsvTable table(csv.string());
      for (size_t row = 0; row < table.rows(); ++row) {
        EvalSample s = RowQuestion(table, row, category);
        const std::string name = table.at(row, "VolumeName");
        // The CT-RATE NIfTI as named, else the release's preprocessed .npy of that name.
        std::string folder = VolumeSliceFolder((volumes / name).string());
        if (folder.empty()) folder = VolumeSliceFolder(WithoutVolumeExtension((volumes / name).string()) + ".npy");
        HM_CHECK(!folder.empty(), table.where(row), ": volume ", name, " not found in ", volumes.string(),
                 "/ (as the NIfTI named so, its .npy, or a folder of slices)");
        s.media = {folder};
        s.index = static_cast<int64_t>(out.size());
        s.id = fs::relative(csv, test).string() + "#" + std::to_string(row + 2);
        out.push_back(std::move(s));
      }
    }
  }
  return out;
}

}  // namespace hm::eval
