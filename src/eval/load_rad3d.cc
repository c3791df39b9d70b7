// 3D-RAD as its authors publish it (github Tang-xiaoxiao/3D-RAD folder 3DRAD/, and the
// Hugging Face dataset Tang-xiaoxiao/3D-RAD): test/Task<N>_<Name>/<subtask>.csv with columns
// Task, Subtask, VolumeName, Question, Answer, QuestionType (Open|Close), AnswerChoice and
// Choice A..D ("-" when unused), over CT-RATE volumes named by VolumeName. Without the test/
// folder, MedUniEval's own Rad3D_test.json is read instead.
#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "eval/array_images.h"
#include "eval/csv.h"
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

// The slice folder of the volume a row names, under volumes/: the CT-RATE NIfTI as named or
// the Hugging Face release's preprocessed <stem>.npy, unpacked once into the slice folder
// <stem>/, or a slice folder <stem>/ already there. Empty when there is none.
std::string VolumeFolder(const fs::path& volumes, const std::string& name) {
  std::string stem = name;
  for (const std::string ext : {".nii.gz", ".nii"})
    if (stem.size() > ext.size() && stem.compare(stem.size() - ext.size(), ext.size(), ext) == 0)
      stem.resize(stem.size() - ext.size());
  const std::string folder = (volumes / stem).string();
  for (const fs::path& source : {volumes / name, volumes / (stem + ".npy")})
    if (fs::is_regular_file(source)) return UnpackVolumeOnce(source.string(), folder);
  return fs::is_directory(folder) ? folder : "";
}

// One CSV row as a question: a closed one lists its choices the way 3D-RAD's own evaluation
// does ("Choices: A. Yes B. No") and is answered "B. No" (MedUniEval's closed 3D rule compares
// the leading letters); an open one is answered by the Answer text.
EvalSample RowQuestion(const CsvTable& table, size_t row, const std::string& category) {
  auto field = [&](const char* name) { return table.at(row, name); };
  std::string question = field("Question");
  std::string answer = field("Answer");
  const std::string type = field("QuestionType");
  if (ClosedQuestionType(type)) {
    std::string choices;
    for (const char* letter : {"A", "B", "C", "D"}) {
      const std::string column = std::string("Choice ") + letter;
      if (!table.has(column) || field(column.c_str()) == "-" || field(column.c_str()).empty()) continue;
      choices += (choices.empty() ? "Choices: " : " ") + std::string(letter) + ". " + field(column.c_str());
    }
    HM_CHECK(!choices.empty(), table.where(row), ": a closed question without choices");
    question += "\n" + choices;
    answer = field("AnswerChoice") + ". " + answer;
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
        const std::string folder = VolumeFolder(volumes, name);
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
