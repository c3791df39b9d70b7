// M3D-VQA as published (Hugging Face GoodBaiBai88/M3D-VQA): M3D_VQA_test.csv with columns
// Image Path, Question Type (1..5), Question, Choice A..D, Answer and Answer Choice, over
// M3D-Cap's preprocessed volumes (Image Path: a float .npy shaped (1, 32, 256, 256) in 0..1,
// relative to this folder). M3D's own evaluation asks every row twice, closed with its
// choices and open; so do we, the closed sample first. Without the CSV, MedUniEval's own
// M3D_test.json is read instead.
#include <filesystem>

#include "core/error.h"
#include "eval/array_images.h"
#include "eval/csv.h"
#include "eval/loaders.h"

namespace hm::eval {
namespace {

// "1".."5" named as eval_3d.py names them; a type given as text is its own name.
std::string TypeCategory(const std::string& type) {
  const bool digits = !type.empty() && type.find_first_not_of("0123456789") == std::string::npos && type.size() < 6;
  return digits ? M3dCategory(std::stoi(type)) : type;
}

}  // namespace

std::vector<EvalSample> LoadM3d(const std::string& dir, bool) {
  const std::string path = dir + "/M3D_VQA_test.csv";
  if (!std::filesystem::exists(path)) return LoadM3dMedUniEvalJson(dir);
  const CsvTable table(path);
  std::vector<EvalSample> out;
  for (size_t row = 0; row < table.rows(); ++row) {
    const std::string volume = UnderDir(dir, table.at(row, "Image Path"));
    const std::string folder = VolumeSliceFolder(volume);
    HM_CHECK(!folder.empty(), table.where(row), ": volume ", volume, " not found");
    const std::string category = TypeCategory(table.at(row, "Question Type"));
    const std::string question = table.at(row, "Question"), answer = table.at(row, "Answer");
    std::vector<std::string> choices;
    for (const char* column : {"Choice A", "Choice B", "Choice C", "Choice D"})
      choices.push_back(table.at(row, column));
    const auto [closed_question, closed_answer] =
        WithChoices(question, " ", choices, table.at(row, "Answer Choice"), answer, table.where(row));
    for (const bool closed : {true, false}) {
      EvalSample s = closed ? VolumeQuestion(closed_question, closed_answer, "CLOSED", category)
                            : VolumeQuestion(question, answer, "OPEN", category);
      s.media = {folder};
      s.index = static_cast<int64_t>(out.size());
      s.id = std::to_string(row) + (closed ? "#closed" : "#open");
      out.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace hm::eval
