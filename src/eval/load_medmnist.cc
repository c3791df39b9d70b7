// MedMNIST v2: the 2D single-label datasets as published (one <flag>.npz each, numpy arrays),
// or MedUniEval's own medminist_test.json when that is what the folder holds.
#include <filesystem>

#include "core/error.h"
#include "eval/array_images.h"
#include "eval/loaders.h"
#include "eval/source_records.h"
#include "io/npz.h"

namespace hm::eval {
namespace {

namespace fs = std::filesystem;

// The medmnist package's INFO (medmnist/info.py, v2.1.0): each 2D dataset's class names by
// label index. ChestMNIST is multi-label (14 findings at once) and so has no single letter
// to answer; it is left out, as are the 3D sets (M3D and 3D-RAD cover volumes).
struct MedMnistSet {
  const char* flag;
  std::vector<const char*> labels;
};
const std::vector<MedMnistSet>& MedMnistSets() {
  static const std::vector<MedMnistSet> sets = {
      {"pathmnist", {"adipose", "background", "debris", "lymphocytes", "mucus", "smooth muscle", "normal colon mucosa",
                     "cancer-associated stroma", "colorectal adenocarcinoma epithelium"}},
      {"dermamnist", {"actinic keratoses and intraepithelial carcinoma", "basal cell carcinoma",
                      "benign keratosis-like lesions", "dermatofibroma", "melanoma", "melanocytic nevi",
                      "vascular lesions"}},
      {"octmnist", {"choroidal neovascularization", "diabetic macular edema", "drusen", "normal"}},
      {"pneumoniamnist", {"normal", "pneumonia"}},
      {"retinamnist", {"0", "1", "2", "3", "4"}},
      {"breastmnist", {"malignant", "normal, benign"}},
      {"bloodmnist", {"basophil", "eosinophil", "erythroblast",
                      "immature granulocytes(myelocytes, metamyelocytes and promyelocytes)", "lymphocyte", "monocyte",
                      "neutrophil", "platelet"}},
      {"tissuemnist", {"Collecting Duct, Connecting Tubule", "Distal Convoluted Tubule", "Glomerular endothelial cells",
                       "Interstitial endothelial cells", "Leukocytes", "Podocytes", "Proximal Tubule Segments",
                       "Thick Ascending Limb"}},
      {"organamnist", {"bladder", "femur-left", "femur-right", "heart", "kidney-left", "kidney-right", "liver",
                       "lung-left", "lung-right", "pancreas", "spleen"}},
      {"organcmnist", {"bladder", "femur-left", "femur-right", "heart", "kidney-left", "kidney-right", "liver",
                       "lung-left", "lung-right", "pancreas", "spleen"}},
      {"organsmnist", {"bladder", "femur-left", "femur-right", "heart", "kidney-left", "kidney-right", "liver",
                       "lung-left", "lung-right", "pancreas", "spleen"}},
  };
  return sets;
}

// The published file names of one dataset: MedMNIST v2's 28-pixel <flag>.npz first, then
// MedMNIST+'s larger <flag>_64/_128/_224.npz.
std::vector<std::string> FileNames(const std::string& flag) {
  return {flag + ".npz", flag + "_64.npz", flag + "_128.npz", flag + "_224.npz"};
}

// The question MedUniEval's medminist_test.json would hold for one image: the class names of
// the dataset as lettered options. The wording of its stem is ours (MedUniEval does not publish
// that file or the script that wrote it; docs/eval_run.md says so).
const char* kQuestion = "Which category does this image belong to?";

// A sample from the human turn of a medminist_test.json record, as MedUniEval's loader
// builds it: the choices are the option texts after each "\nX." up to the next one (its
// regex), and the prompt is the text with <image> removed plus its letter instruction.
EvalSample FromQuestionText(const std::string& text, std::string id, std::string answer, std::string split,
                            std::string image) {
  // re.findall(r'\n([A-Z]\..*?)(?=\n[A-Z]\.|\Z)', text, re.DOTALL), then split('.', 1)[1].strip()
  auto option_at = [&](size_t at) {
    return at + 2 < text.size() && text[at] == '\n' && text[at + 1] >= 'A' && text[at + 1] <= 'Z' &&
           text[at + 2] == '.';
  };
  std::vector<std::string> choices;
  for (size_t at = 0; at < text.size(); ++at) {
    if (!option_at(at)) continue;
    size_t end = at + 3;
    while (end < text.size() && !option_at(end)) ++end;
    choices.push_back(PyStrip(text.substr(at + 3, end - at - 3)));
    at = end - 1;
  }
  const std::string prompt =
      PyReplace(PyReplace(text + "\nAnswer with the option's letter from the given choices directly.", "<image>\n", ""),
                "<image>", "");
  EvalSample s = MultipleChoiceSample(std::move(id), prompt, std::move(choices), std::move(answer), false);
  s.prompt = prompt;  // not get_multiple_choice_prompt's: the question text holds its options
  s.prep = "";        // its cal_metrics scores the raw response
  s.category = std::move(split);
  s.media = {std::move(image)};
  return s;
}

// One published dataset: its test_images and test_labels; each image is written once as
// unpacked/<file stem>/test_<i>.png beside the archive (a folder of its own, so it never
// meets the images of MedUniEval's JSON form).
void AddPublishedSet(const std::string& dir, const MedMnistSet& set, const std::string& file,
                     std::vector<EvalSample>& out) {
  const std::string path = dir + "/" + file;
  const NpyArray images = ReadNpzArray(path, "test_images");
  const NpyArray labels = ReadNpzArray(path, "test_labels");
  const std::vector<float> label = labels.ToF32();
  HM_CHECK(!images.shape.empty() && labels.shape.size() == 2 && labels.shape[1] == 1 &&
               labels.shape[0] == images.shape[0],
           path, ": expected test_labels shaped (N, 1) beside N test_images");
  std::string text = "<image>\n" + std::string(kQuestion);
  for (size_t k = 0; k < set.labels.size(); ++k)
    text += "\n" + std::string(1, static_cast<char>('A' + k)) + ". " + set.labels[k];
  const std::string stem = fs::path(file).stem().string();
  for (int64_t i = 0; i < images.shape[0]; ++i) {
    const float l = label[static_cast<size_t>(i)];
    HM_CHECK(l >= 0 && l < static_cast<float>(set.labels.size()), path, ": test_labels[", i, "] = ", l,
             " is not a class of ", set.flag);
    const std::string where = path + ":test_images[" + std::to_string(i) + "]";
    const std::string png = dir + "/unpacked/" + stem + "/test_" + std::to_string(i) + ".png";
    out.push_back(FromQuestionText(text, stem + "_test_" + std::to_string(i),
                                   std::string(1, static_cast<char>('A' + static_cast<int>(l))), set.flag,
                                   WriteArrayImageOnce(images, i, png, where)));
    out.back().index = static_cast<int64_t>(out.size() - 1);
  }
}

// medminist_test.json: a list of {"images": [path], "conversations": [{"value": question
// with lettered options}, ..], "answer", "split"}, paths relative to the folder.
std::vector<EvalSample> LoadMedUniEvalJson(const std::string& dir) {
  return SamplesFromJsonList(dir + "/medminist_test.json", [&](const SourceRecord& r) -> std::optional<EvalSample> {
    HM_CHECK(r.json.contains("images") && r.json["images"].is_array() && !r.json["images"].empty() &&
                 r.json["images"][0].is_string(),
             r.where, ": \"images\" must list the image");
    HM_CHECK(r.json.contains("conversations") && r.json["conversations"].is_array() && !r.json["conversations"].empty(),
             r.where, ": \"conversations\" must hold the question");
    return FromQuestionText(Field(r.json["conversations"][0], "value", r.where + " conversations[0]"),
                            SourceId(r.json, "id", r.position), Field(r.json, "answer", r.where),
                            r.json.value("split", "unknown"), UnderDir(dir, r.json["images"][0].get<std::string>()));
  });
}

}  // namespace

std::vector<std::string> MedMnistFiles() {
  std::vector<std::string> files;
  for (const MedMnistSet& set : MedMnistSets())
    for (const std::string& f : FileNames(set.flag)) files.push_back(f);
  files.push_back("medminist_test.json");
  return files;
}

// The published .npz files present (for each dataset the first of its file names found, in
// INFO order); without any, MedUniEval's medminist_test.json.
std::vector<EvalSample> LoadMedMnist(const std::string& dir, bool) {
  std::vector<EvalSample> out;
  for (const MedMnistSet& set : MedMnistSets())
    for (const std::string& file : FileNames(set.flag))
      if (fs::exists(dir + "/" + file)) {
        AddPublishedSet(dir, set, file, out);
        break;
      }
  return out.empty() ? LoadMedUniEvalJson(dir) : out;
}

}  // namespace hm::eval
