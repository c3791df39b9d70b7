#include "eval/benchmarks.h"

#include <filesystem>
#include <functional>

#include "core/error.h"
#include "eval/loaders.h"

namespace hm::eval {
namespace {

// Our own sets are not the paper's benchmarks, which `-b all` stands for.
const char* kOwnSet = "one of this project's own sets (docs/eval_run.md), not a published benchmark";
const char* kPydicomTestFiles = "/usr/lib/python3/dist-packages/pydicom/data/test_files";
const char* kConvert = " (parquet: convert with `node tools/eval/parquet_to_jsonl.mjs FILE.parquet OUT.jsonl`)";

// The exact conversion a parquet-published benchmark needs, `output` relative to the data root.
std::string ConvertWith(const std::string& inputs, const std::string& output) {
  return "; then, in the hulumed checkout, run `npm ci` once and `node tools/eval/parquet_to_jsonl.mjs " + inputs +
         " DATA/" + output + "` (DATA is --data; every shard of the split in one call, in order; embedded images "
         "are written beside it under images/)";
}

struct Entry {
  BenchmarkInfo info;
  std::function<std::vector<EvalSample>(const std::string&, bool)> load;
};

const std::vector<Entry>& Entries() {
  static const std::vector<Entry> entries = {
      {{"MedQA_USMLE", "MedQA_USMLE", "test.jsonl",
        "https://huggingface.co/datasets/GBaker/MedQA-USMLE-4-options: its test split as JSONL "
        "(phrases_no_exclude_test.jsonl) saved as test.jsonl" + std::string(kConvert),
        MetricsLayout::kAccuracy},
       LoadMedQaUsmle},
      {{"PubMedQA", "PubMedQA", "test.jsonl",
        "https://huggingface.co/datasets/openlifescienceai/pubmedqa: the test split's parquet converted to "
        "test.jsonl" + std::string(kConvert),
        MetricsLayout::kAccuracy},
       LoadPubMedQa},
      {{"MMLU-medical", "MMLU", "anatomy/test.jsonl",
        "https://huggingface.co/datasets/cais/mmlu: for each of anatomy, clinical_knowledge, college_biology, "
        "college_medicine, medical_genetics, professional_medicine, nutrition, virology, high_school_biology "
        "the file SUBJECT/test-*.parquet converted to SUBJECT/test.jsonl" + std::string(kConvert),
        MetricsLayout::kAccuracy},
       LoadMmluMedical},
      {{"MedMCQA", "MedMCQA", "validation.jsonl",
        "https://huggingface.co/datasets/openlifescienceai/medmcqa: the validation split's parquet converted to "
        "validation.jsonl" + std::string(kConvert),
        MetricsLayout::kAccuracy},
       LoadMedMcqa},
      {{"Medbullets_op4", "Medbullets_op4", "train.jsonl",
        "https://huggingface.co/datasets/tuenguyen/Medical-Eval-MedBullets_op4: the train split's parquet converted "
        "to train.jsonl" + std::string(kConvert),
        MetricsLayout::kAccuracy},
       LoadMedbulletsOp4},
      {{"Medbullets_op5", "Medbullets_op5", "train.jsonl",
        "https://huggingface.co/datasets/LangAGI-Lab/medbullets_op5: the train split's parquet converted to "
        "train.jsonl" + std::string(kConvert),
        MetricsLayout::kAccuracy},
       LoadMedbulletsOp5},
      {{"VQA_RAD", "VQA_RAD", "test.jsonl",
        "https://huggingface.co/datasets/flaviagiammarino/vqa-rad: data/test-*.parquet converted to test.jsonl "
        "(the converter writes the embedded images to images/)" + std::string(kConvert),
        MetricsLayout::kOpenClose, JudgeScope::kOpenQuestions},
       LoadVqaRad},
      {{"SLAKE", "SLAKE", "test.json",
        "https://huggingface.co/datasets/BoKelvin/SLAKE: test.json, and imgs.zip unpacked into imgs/",
        MetricsLayout::kOpenClose, JudgeScope::kAllQuestions},
       LoadSlake},
      {{"PMC_VQA", "PMC_VQA", "test_2.csv",
        "https://huggingface.co/datasets/RadGenome/PMC-VQA: test_2.csv, and images.zip / images_2.zip "
        "unpacked into figures/ (or images/)",
        MetricsLayout::kAccuracy},
       LoadPmcVqa},
      {{"M3D", "M3D", "M3D_VQA_test.csv",
        "M3D-VQA (https://huggingface.co/datasets/GoodBaiBai88/M3D-VQA): M3D_VQA_test.csv as published, and the "
        "M3D-Cap volumes it names (https://huggingface.co/datasets/GoodBaiBai88/M3D-Cap, the preprocessed .npy "
        "files, at their Image Path under this folder; each is written once as a slice folder beside it); or "
        "MedUniEval's own M3D_test.json with its slice folders",
        MetricsLayout::kByCategory3d, JudgeScope::kNone, "", {"M3D_test.json"}},
       LoadM3d},
      {{"IU_XRAY", "IU_XRAY", "annotation.json",
        "IU-Xray as report-generation work distributes it (R2Gen's iu_xray release, "
        "https://github.com/zhjohnchan/R2Gen: annotation.json with its test split, and the OpenI PNGs "
        "(https://openi.nlm.nih.gov/faq#collection) as images/<study>/<n>.png); or MedUniEval's own "
        "iu_xray_test.json",
        MetricsLayout::kReport, JudgeScope::kNone, "", {"iu_xray_test.json"}},
       LoadIuXray},
      {{"MMLU_Pro", "MMLU_Pro", "test.jsonl",
        "https://huggingface.co/datasets/TIGER-Lab/MMLU-Pro: download data/test-00000-of-00001.parquet (the "
        "health category is kept)" + ConvertWith("test-00000-of-00001.parquet", "MMLU_Pro/test.jsonl"),
        MetricsLayout::kAccuracy},
       LoadMmluProHealth},
      {{"MedXpertQA-Text", "MedXpertQA", "Text/test.jsonl",
        "https://huggingface.co/datasets/TsinghuaC3I/MedXpertQA: Text/test.jsonl as published (JSONL)",
        MetricsLayout::kAccuracy},
       LoadMedXpertQaText},
      {{"MedXpertQA-MM", "MedXpertQA", "MM/test.jsonl",
        "https://huggingface.co/datasets/TsinghuaC3I/MedXpertQA: MM/test.jsonl as published (JSONL), and "
        "images.zip unpacked so that each image is MedXpertQA/images/<name>",
        MetricsLayout::kAccuracy},
       LoadMedXpertQaMm},
      {{"SuperGPQA", "SuperGPQA", "SuperGPQA-all.jsonl",
        "https://huggingface.co/datasets/m-a-p/SuperGPQA: SuperGPQA-all.jsonl as published (the Medicine "
        "discipline is kept)",
        MetricsLayout::kAccuracy},
       LoadSuperGpqaMedicine},
      {{"HealthBench", "HealthBench", "2025-05-07-06-14-12_oss_eval.jsonl",
        "https://openaipublic.blob.core.windows.net/simple-evals/healthbench/: 2025-05-07-06-14-12_oss_eval.jsonl, "
        "consensus_2025-05-09-20-00-46.jsonl and hard_2025-05-08-21-00-10.jsonl as published (JSONL)",
        MetricsLayout::kRubric, JudgeScope::kRubricItems, {}, {}, /*multi_turn=*/true},
       LoadHealthBench},
      {{"PATH_VQA", "PATH_VQA", "test.jsonl",
        "https://huggingface.co/datasets/flaviagiammarino/path-vqa: download data/test-*.parquet" +
            ConvertWith("test-*.parquet", "PATH_VQA/test.jsonl"),
        MetricsLayout::kOpenClose, JudgeScope::kAllQuestions},
       LoadPathVqa},
      {{"OmniMedVQA", "OmniMedVQA", "QA_information/Open-access",
        "https://huggingface.co/datasets/foreverbeliever/OmniMedVQA: OmniMedVQA.zip, unzipped inside the data "
        "root (it unpacks to OmniMedVQA/QA_information/Open-access/*.json and OmniMedVQA/Images/)",
        MetricsLayout::kAccuracy},
       LoadOmniMedVqa},
      {{"MedFrameQA", "MedFrameQA", "test.jsonl",
        "https://huggingface.co/datasets/SuhaoYu1020/MedFrameQA: download data/test-*.parquet" +
            ConvertWith("test-*.parquet", "MedFrameQA/test.jsonl"),
        MetricsLayout::kAccuracy},
       LoadMedFrameQa},
      {{"MMMU-Medical-val", "MMMU", "Clinical_Medicine/validation.jsonl",
        "https://huggingface.co/datasets/MMMU/MMMU: for each of Basic_Medical_Science, Clinical_Medicine, "
        "Diagnostics_and_Laboratory_Medicine, Pharmacy, Public_Health download SUBJECT/validation-*.parquet" +
            ConvertWith("SUBJECT/validation-*.parquet", "MMMU/SUBJECT/validation.jsonl") + ", once per subject",
        MetricsLayout::kAccuracy},
       LoadMmmuMedicalVal},
      {{"Medmnist", "Medmnist", "pathmnist.npz",
        "MedMNIST v2 (https://medmnist.com; files at https://zenodo.org/record/6496656): the 2D sets' .npz files as "
        "published (pathmnist.npz, dermamnist.npz, octmnist.npz, pneumoniamnist.npz, retinamnist.npz, "
        "breastmnist.npz, bloodmnist.npz, tissuemnist.npz, organamnist.npz, organcmnist.npz, organsmnist.npz, or "
        "their _64/_128/_224 sizes; any subset), whose test images are written once to unpacked/ beside them; or "
        "MedUniEval's own medminist_test.json",
        MetricsLayout::kBySplit, JudgeScope::kNone, "", MedMnistFiles()},
       LoadMedMnist},
      {{"3DRad", "3DRad", "test",
        "3D-RAD (https://huggingface.co/datasets/Tang-xiaoxiao/3D-RAD): its test/ folder of task CSVs as "
        "published (test/Task1_Image_Observation/*.csv ...), and the CT volumes in volumes/ named as the CSVs' "
        "VolumeName column (CT-RATE NIfTI, or the release's preprocessed <name>.npy, or a folder of slices); or "
        "MedUniEval's own Rad3D_test.json with its slice folders",
        MetricsLayout::kByCategory3d, JudgeScope::kNone, "", {"Rad3D_test.json"}},
       LoadRad3d},
      {{"MIMIC_CXR", "MIMIC_CXR", "mimic-cxr-2.0.0-split.csv.gz",
        "MIMIC-CXR-JPG (https://physionet.org/content/mimic-cxr-jpg/, credentialed access): "
        "mimic-cxr-2.0.0-split.csv.gz and the test studies' files/p1*/p*/s*/*.jpg, plus the reports "
        "(https://physionet.org/content/mimic-cxr/: mimic-cxr-reports.zip unpacked here, giving "
        "files/p1*/p*/s*.txt); or MedUniEval's own mimic_test.json",
        MetricsLayout::kReport, JudgeScope::kNone, "", {"mimic-cxr-2.0.0-split.csv", "mimic_test.json"}},
       LoadMimicCxr},
      {{"CheXpert_Plus", "CheXpert_Plus", "df_chexpert_plus_240401.csv",
        "CheXpert Plus (https://aimi.stanford.edu/datasets/chexpert-plus): df_chexpert_plus_240401.csv and the "
        "valid/ images (JPG as path_to_image names them, or the PNG release: same paths with .png, also under "
        "PNG/); or MedUniEval's own chexpert_val.json",
        MetricsLayout::kReport, JudgeScope::kNone, "", {"chexpert_val.json"}},
       LoadChexpertPlus},
      {{"phantoms", "phantoms", "samples.jsonl",
        "`hulumed data phantoms --seed 9001 --count 70 --out DIR`, with DIR the phantoms folder under --data "
        "(evaluation seeds are 9001 and up; training uses seeds below 1000)",
        MetricsLayout::kByFamily, JudgeScope::kNone, kOwnSet},
       LoadPhantoms},
      // Read in place from the installed package, whatever --data says (an absolute folder).
      {{"real-scans", kPydicomTestFiles, "CT_small.dcm",
        "Debian's python3-pydicom (apt-get install python3-pydicom=2.3.1-1, pinned in scripts/apt-packages.txt), "
        "whose test files are read in place",
        MetricsLayout::kByFamily, JudgeScope::kNone, kOwnSet},
       LoadRealScans},
  };
  return entries;
}

const Entry& FindEntry(const std::string& name) {
  for (const Entry& e : Entries())
    if (e.info.name == name) return e;
  std::string known;
  for (const Entry& e : Entries()) known += (known.empty() ? "" : ", ") + e.info.name;
  throw Error("unknown benchmark '" + name + "' (known: " + known + ")");
}

}  // namespace

const std::vector<BenchmarkInfo>& KnownBenchmarks() {
  static const std::vector<BenchmarkInfo> infos = [] {
    std::vector<BenchmarkInfo> v;
    for (const Entry& e : Entries()) v.push_back(e.info);
    return v;
  }();
  return infos;
}

const BenchmarkInfo& FindBenchmark(const std::string& name) { return FindEntry(name).info; }

std::vector<EvalSample> LoadBenchmark(const BenchmarkInfo& info, const LoadOptions& options) {
  const std::string dir = (std::filesystem::path(options.data_root) / info.folder).string();
  const std::string main_file = dir + "/" + info.main_file;
  const bool in_place = std::filesystem::path(info.folder).is_absolute();  // an installed package
  bool present = std::filesystem::exists(main_file);
  for (const std::string& other : info.also_accepted) present = present || std::filesystem::exists(dir + "/" + other);
  HM_CHECK(present, info.name, ": ", main_file, info.also_accepted.empty() ? "" : " (nor another form it accepts)",
           " not found. ",
           in_place ? "Install " + info.source : "Get it from " + info.source + ", and put it in " + dir + "/");
  std::vector<EvalSample> samples = FindEntry(info.name).load(dir, options.reasoning);
  HM_CHECK(!samples.empty(), info.name, ": ", main_file, " holds no samples");
  if (!options.whole_conversations)
    for (EvalSample& s : samples) s.messages.clear();  // MedUniEval sends `prompt` alone
  return samples;
}

std::string ResponsesStem(const BenchmarkInfo& info, bool whole_conversations) {
  return info.multi_turn && whole_conversations ? "responses.fixed" : "responses";
}

std::string UnderDir(const std::string& dir, const std::string& path) {
  const std::filesystem::path p(path);
  return p.is_absolute() ? path : (std::filesystem::path(dir) / p).lexically_normal().string();
}

std::string Field(const nlohmann::json& record, const char* name, const std::string& where) {
  HM_CHECK(record.is_object() && record.contains(name) && record[name].is_string(), where, ": no string field \"",
           name, "\"");
  return record[name].get<std::string>();
}

std::string SourceId(const nlohmann::json& record, const char* name, size_t position) {
  if (record.is_object() && record.contains(name)) {
    const auto& id = record[name];
    if (id.is_string()) return id.get<std::string>();
    if (id.is_number()) return id.dump();
  }
  return std::to_string(position);
}

}  // namespace hm::eval
