// The benchmarks added after the first eleven, each from its fixture in the published format
// (tools/eval/make_fixtures.mjs), and four of them also in MedUniEval's own JSON form:
// question, choices, gold, media and MedUniEval's prompt.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "eval/benchmarks.h"
#include "eval/loaders.h"
#include "io/npz.h"
#include "runtime/media_request.h"

namespace hm::eval {
namespace {

namespace fs = std::filesystem;
const std::string kRoot = HULUMED_SOURCE_DIR "/testdata/eval/benchmarks";
// MedUniEval's own JSON forms of MedMNIST, M3D, 3D-RAD, IU-Xray, MIMIC-CXR and CheXpert Plus.
const std::string kOwnJsonRoot = HULUMED_SOURCE_DIR "/testdata/eval/medunieval-json";

std::vector<EvalSample> Load(const std::string& name, bool reasoning = false) {
  return LoadBenchmark(FindBenchmark(name), {kRoot, reasoning});
}

Image DecodedImage(const std::string& path) {
  MediaSpec spec;
  spec.path = path;
  const MediaItem item = LoadMedia(spec);
  EXPECT_EQ(item.frames.images.size(), 1u) << path;
  return item.frames.images.at(0);
}

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

TEST(BenchmarkLoaders, MmluProKeepsHealthAndPromptsWithItsOwnFormat) {
  const auto s = Load("MMLU_Pro");
  ASSERT_EQ(s.size(), 2u);  // the math question is dropped
  EXPECT_EQ(s[0].id, "6001");
  EXPECT_EQ(s[1].index, 1);
  EXPECT_EQ(s[0].prompt, "Polio can be eradicated by which of the following?\nA. Herbal remedies\nB. Use of antibiotics\n"
                         "C. Regular intake of vitamins\nD. Administration of tetanus vaccine\n"
                         "E. Attention to sewage control and hygiene\n"
                         "Answer with the option's letter from the given choices directly.");
  // judge_multi_choice gets the choices dict, whose iteration is its keys
  EXPECT_EQ(s[0].choices, (std::vector<std::string>{"A", "B", "C", "D", "E"}));
  EXPECT_EQ(s[0].answer, "E");
  EXPECT_EQ(s[1].answer, "C");
  EXPECT_EQ(s[0].prep, "answer_tag");
  EXPECT_TRUE(s[0].media.empty());
  // Its reasoning suffix is a non-raw Python string: "\b" is a backspace.
  EXPECT_TRUE(EndsWith(Load("MMLU_Pro", true)[0].prompt, "within \boxed{}."));
}

TEST(BenchmarkLoaders, MedXpertQaCutsTheInlineChoicesAndShowsMmImages) {
  const auto text = Load("MedXpertQA-Text");
  ASSERT_EQ(text.size(), 2u);
  EXPECT_EQ(text[0].question, "A 30-year-old man has fever and a rash. What is the diagnosis?");
  EXPECT_EQ(text[0].choices[4], "E. Fifth disease");
  EXPECT_EQ(text[0].answer, "A");
  EXPECT_EQ(text[0].id, "Text-0");
  EXPECT_EQ(text[0].prompt.rfind("\nQuestion: A 30-year-old man has fever and a rash. What is the diagnosis?\nOptions: \n"
                                 "A. Measles\n", 0), 0u);
  EXPECT_TRUE(text[0].media.empty());
  const auto mm = Load("MedXpertQA-MM");
  ASSERT_EQ(mm.size(), 1u);
  ASSERT_EQ(mm[0].media.size(), 2u);
  EXPECT_TRUE(EndsWith(mm[0].media[0], "MedXpertQA/images/MM-0-a.jpeg"));
  EXPECT_EQ(mm[0].answer, "B");
  EXPECT_EQ(mm[0].category, "Diagnosis");
}

TEST(BenchmarkLoaders, SuperGpqaKeepsMedicineWithTenLetters) {
  const auto s = Load("SuperGPQA");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].choices, (std::vector<std::string>{"A.Vitamin K", "B.Protamine sulfate", "C.Idarucizumab", "D.Andexanet"}));
  EXPECT_EQ(s[0].answer, "B");
  EXPECT_EQ(s[1].id, "c3");
  ASSERT_EQ(s[1].choices.size(), 10u);
  EXPECT_EQ(s[1].choices[9], "J.260-280");
  EXPECT_EQ(s[1].category, "Clinical Medicine");
}

TEST(BenchmarkLoaders, HealthBenchReadsThreeFilesAndSendsTheFirstMessage) {
  const auto s = Load("HealthBench");
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].prompt, "I have had a headache for three days. What should I do?");
  EXPECT_EQ(s[1].prompt, "My child swallowed a battery.");  // later turns are not sent
  EXPECT_EQ(s[2].category, "consensus");
  EXPECT_EQ(s[3].id, "hard/p-4");
  EXPECT_EQ(s[0].kind, "rubric");
  const auto first = nlohmann::json::parse(s[0].answer);
  ASSERT_EQ(first["rubrics"].size(), 2u);
  EXPECT_EQ(first["rubrics"][1]["points"], -6);
  EXPECT_EQ(first["example_tags"][0], "theme:context_seeking");
  EXPECT_EQ(nlohmann::json::parse(s[1].answer)["conversation"].size(), 3u);  // the grader sees every turn
}

// Fixed mode (quirk 14): every turn goes as a message; a turn without a role is named.
TEST(BenchmarkLoaders, HealthBenchInFixedModeSendsEveryTurn) {
  EXPECT_TRUE(Load("HealthBench")[1].messages.empty());
  const auto s = LoadBenchmark(FindBenchmark("HealthBench"), {kRoot, false, /*whole_conversations=*/true});
  ASSERT_EQ(s[1].messages.size(), 3u);
  EXPECT_EQ(s[1].messages[1], nlohmann::ordered_json({{"role", "assistant"}, {"content", "How old is your child?"}}));
  EXPECT_EQ(s[0].messages.size(), 1u);
  ScratchDir scratch;
  const auto dir = scratch.path();
  std::ofstream(dir / "2025-05-07-06-14-12_oss_eval.jsonl")
      << R"({"prompt":[{"role":"user","content":"Hi"},{"content":"Hello"}],"rubrics":[],"prompt_id":"x"})" << "\n";
  try {
    LoadHealthBench(dir.string(), false);
    ADD_FAILURE() << "a turn without a role was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("prompt[1]: no string field \"role\""), std::string::npos) << e.what();
  }
}

TEST(BenchmarkLoaders, PathVqaPicksThePromptByTheStoredAnswer) {
  const auto s = Load("PATH_VQA");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].kind, "judgement");
  EXPECT_EQ(s[0].prompt, "Is the epithelium intact?\nAnswer the question using a single word or phrase.");
  EXPECT_EQ(s[1].kind, "open_ended");
  EXPECT_EQ(s[1].answer, "granuloma");
  // "Yes" scores as a yes/no question but, unlike VQA-RAD, gets the open prompt
  EXPECT_EQ(s[2].kind, "judgement");
  EXPECT_EQ(s[2].answer, "yes");
  EXPECT_EQ(s[2].prompt, "Are nuclei enlarged?\nPlease answer the question concisely.");
  EXPECT_TRUE(EndsWith(s[0].media[0], "PATH_VQA/images/test-0.jpg"));
}

TEST(BenchmarkLoaders, OmniMedVqaLettersTheGoldAndReadsFilesInNameOrder) {
  const auto s = Load("OmniMedVQA");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].id, "ACRIMA_0000");  // ACRIMA.json sorts before "Chest CT Scan.json"
  EXPECT_EQ(s[0].choices, (std::vector<std::string>{"A. Yes", "B. No"}));
  EXPECT_EQ(s[0].answer, "B");
  EXPECT_EQ(s[1].answer, "B");
  EXPECT_EQ(s[1].choices.size(), 4u);
  EXPECT_EQ(s[1].category, "CT(Computed Tomography)");
  EXPECT_TRUE(EndsWith(s[1].media[0], "OmniMedVQA/Images/Chest CT Scan/000108.jpg"));
}

TEST(BenchmarkLoaders, MedFrameQaShowsThePresentFramesAndScoresTheRawResponse) {
  const auto s = Load("MedFrameQA");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].media.size(), 2u);
  EXPECT_EQ(s[1].media.size(), 3u);
  EXPECT_EQ(s[1].choices[4], "E.All");
  EXPECT_EQ(s[1].answer, "E");
  EXPECT_EQ(s[0].prep, "");
  EXPECT_EQ(s[0].category, "CT");
  EXPECT_EQ(s[1].category, "Other");
}

TEST(BenchmarkLoaders, MmmuParsesPythonOptionListsAndShowsImageOne) {
  const auto s = Load("MMMU-Medical-val");
  ASSERT_EQ(s.size(), 7u);
  EXPECT_EQ(s[0].category, "Basic_Medical_Science");
  EXPECT_EQ(s[0].choices, (std::vector<std::string>{"A. Aorta", "B. Heart's apex", "C. Vena cava"}));
  EXPECT_EQ(s[0].answer, "A");
  EXPECT_EQ(s[0].kind, "mmmu_multi_choice");  // scored by MMMU's own rules
  ASSERT_EQ(s[0].media.size(), 1u);
  EXPECT_NE(s[0].prompt.find("Options: \nA. Aorta\nB. Heart's apex\nC. Vena cava\n"), std::string::npos);
  const EvalSample& option_images = s[4];  // Pharmacy's second: two images in the options
  EXPECT_EQ(option_images.id, "validation_Pharmacy_2");
  EXPECT_TRUE(option_images.media.empty());
  const EvalSample& open = s[6];
  EXPECT_EQ(open.kind, "mmmu_open");
  EXPECT_EQ(open.answer, "12");
  EXPECT_EQ(open.prompt, "What is the incidence per 1000 (whole number)?\nAnswer the question using a single word or phrase.");
  EXPECT_TRUE(open.media.empty());
}

TEST(BenchmarkLoaders, MedMnistAsPublishedAsksForTheClassByLetter) {
  const auto s = Load("Medmnist");
  ASSERT_EQ(s.size(), 3u);  // pathmnist.npz's 2 test images, then pneumoniamnist_64.npz's 1
  EXPECT_EQ(s[0].id, "pathmnist_test_0");
  EXPECT_EQ(s[0].category, "pathmnist");
  ASSERT_EQ(s[0].choices.size(), 9u);
  EXPECT_EQ(s[0].choices[8], "colorectal adenocarcinoma epithelium");
  EXPECT_EQ(s[0].answer, "C");  // test_labels [[2], [8]]
  EXPECT_EQ(s[1].answer, "I");
  EXPECT_EQ(s[2].id, "pneumoniamnist_64_test_0");
  EXPECT_EQ(s[2].category, "pneumoniamnist");
  EXPECT_EQ(s[2].answer, "B");
  EXPECT_EQ(s[2].prompt, "Which category does this image belong to?\nA. normal\nB. pneumonia\n"
                         "Answer with the option's letter from the given choices directly.");
  EXPECT_EQ(s[2].kind, "multi_choice");
  ASSERT_EQ(s[2].media.size(), 1u);
  EXPECT_TRUE(EndsWith(s[2].media[0], "Medmnist/unpacked/pneumoniamnist_64/test_0.png"));
}

// The images are written once beside the archive with the arrays' pixels (gray as RGB).
TEST(BenchmarkLoaders, MedMnistWritesEachTestImageOnceWithItsPixels) {
  ScratchDir scratch;
  const fs::path root = scratch.path();
  fs::create_directories(root / "Medmnist");
  for (const char* f : {"pathmnist.npz", "pneumoniamnist_64.npz"})
    fs::copy_file(kRoot + "/Medmnist/" + f, root / "Medmnist" / f);
  const auto s = LoadBenchmark(FindBenchmark("Medmnist"), {root.string()});
  ASSERT_EQ(s.size(), 3u);
  const NpyArray rgb = ReadNpzArray((root / "Medmnist" / "pathmnist.npz").string(), "test_images");
  const Image first = DecodedImage(s[1].media[0]);  // test image 1 of pathmnist
  ASSERT_EQ(first.width, 28);
  EXPECT_TRUE(std::equal(first.rgb.begin(), first.rgb.end(), rgb.bytes.begin() + 28 * 28 * 3));
  const NpyArray gray = ReadNpzArray((root / "Medmnist" / "pneumoniamnist_64.npz").string(), "test_images");
  const Image second = DecodedImage(s[2].media[0]);
  ASSERT_EQ(second.width, 64);
  for (size_t p = 0; p < 64 * 64; ++p) ASSERT_EQ(second.rgb[p * 3 + 1], gray.bytes[p]) << p;
  // A second load reads the images already there instead of writing them again.
  const auto written = fs::last_write_time(s[2].media[0]);
  fs::last_write_time(s[2].media[0], written - std::chrono::hours(1));
  LoadBenchmark(FindBenchmark("Medmnist"), {root.string()});
  EXPECT_EQ(fs::last_write_time(s[2].media[0]), written - std::chrono::hours(1));
}

TEST(BenchmarkLoaders, MedMnistInMedUniEvalsJsonTakesChoicesFromTheQuestionText) {
  const auto s = LoadBenchmark(FindBenchmark("Medmnist"), {kOwnJsonRoot});
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].choices, (std::vector<std::string>{"adipose", "background", "debris", "lymphocytes"}));
  EXPECT_EQ(s[0].prompt, "What tissue type is shown in this pathology image?\nA. adipose\nB. background\nC. debris\n"
                         "D. lymphocytes\nAnswer with the option's letter from the given choices directly.");
  EXPECT_EQ(s[0].answer, "C");
  EXPECT_EQ(s[1].choices[1], "eosinophil, a granulocyte\nwith two lobes");  // an option runs to the next "\nX."
  EXPECT_EQ(s[1].prompt.rfind("Which blood cell type is this?", 0), 0u);
  EXPECT_EQ(s[1].category, "bloodmnist");
}

TEST(BenchmarkLoaders, Rad3dAsPublishedReadsTaskCsvsAndSlicesEachVolume) {
  const auto s = Load("3DRad");
  ASSERT_EQ(s.size(), 4u);  // task folders in order: 2 (1 row), 3 (2 rows), 4 (1 row)
  EXPECT_EQ(s[0].id, "Task2_Anomaly_Detection/Diagnosis.csv#2");
  EXPECT_EQ(s[0].category, "Anomaly Detection");
  EXPECT_EQ(s[0].kind, "closed_3d");
  EXPECT_EQ(s[0].answer, "C. Pneumonia");
  EXPECT_EQ(s[0].prompt, "What is the most likely diagnosis?\nChoices: A. Lung cancer B. Emphysema C. Pneumonia "
                         "D. Fibrosis\nAnswer with the option's letter from the given choices directly.");
  EXPECT_EQ(s[1].category, "Medical Computation");
  EXPECT_EQ(s[1].kind, "open_3d");
  EXPECT_EQ(s[1].answer, "30 mm");
  EXPECT_EQ(s[1].prompt, "What is the thickness of the pleural effusion at its thickest point?\n"
                         "Please answer the question concisely.");
  EXPECT_EQ(s[2].question, "What is the thickness of the wall, at its thickest point?");  // a quoted CSV field
  EXPECT_EQ(s[3].category, "Existence Detection");
  EXPECT_EQ(s[3].answer, "B. No");
  EXPECT_EQ(s[3].question, "Does the CT scan reveal cardiomegaly?\nChoices: A. Yes B. No");  // "-" choices dropped
  // The .npy volume (1, 6, 16, 16) and the NIfTI (16, 16, 6) each become a folder of 6 slices.
  for (const EvalSample& sample : {s[0], s[1]}) {
    ASSERT_EQ(sample.media.size(), 1u);
    ASSERT_TRUE(fs::is_directory(sample.media[0])) << sample.media[0];
    EXPECT_EQ(std::distance(fs::directory_iterator(sample.media[0]), fs::directory_iterator()), 6) << sample.media[0];
    EXPECT_EQ(DecodedImage(sample.media[0] + "/000.png").width, 16);
  }
  EXPECT_TRUE(EndsWith(s[0].media[0], "3DRad/volumes/test_2_a_1"));
  EXPECT_TRUE(EndsWith(s[1].media[0], "3DRad/volumes/test_1_a_1"));
}

TEST(BenchmarkLoaders, Rad3dNamesAMissingVolumeAndItsRow) {
  ScratchDir scratch;
  const fs::path root = scratch.path();
  fs::create_directories(root / "3DRad" / "test" / "Task3_Medical_Computation");
  fs::copy_file(kRoot + "/3DRad/test/Task3_Medical_Computation/Thickness.csv",
                root / "3DRad" / "test" / "Task3_Medical_Computation" / "Thickness.csv");
  try {
    LoadBenchmark(FindBenchmark("3DRad"), {root.string()});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Thickness.csv row 2: volume test_1_a_1.nii.gz not found in"), std::string::npos)
        << e.what();
  }
}

TEST(BenchmarkLoaders, Rad3dInMedUniEvalsJsonNamesItsTaskTypes) {
  const auto s = LoadBenchmark(FindBenchmark("3DRad"), {kOwnJsonRoot});
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].kind, "open_3d");
  EXPECT_EQ(s[0].category, "Medical Computation");
  EXPECT_EQ(s[0].prompt, "What is the thickness of the pleural effusion?\nPlease answer the question concisely.");
  EXPECT_EQ(s[1].kind, "closed_3d");
  EXPECT_EQ(s[1].answer, "A. yes");
  EXPECT_TRUE(fs::is_directory(s[0].media[0]));
}

TEST(BenchmarkLoaders, MimicCxrAsPublishedTakesTestStudiesAndTheirReportSections) {
  const auto s = Load("MIMIC_CXR");
  ASSERT_EQ(s.size(), 2u);  // the train study and the study without findings or impression are left out
  EXPECT_EQ(s[0].id, "s50414267");
  ASSERT_EQ(s[0].media.size(), 2u);
  EXPECT_TRUE(EndsWith(s[0].media[0], "MIMIC_CXR/files/p10/p10000032/s50414267/"
                                      "02aa804e-bde0afdd-112c0b34-7bc16630-4e384014.jpg"));
  EXPECT_EQ(s[0].answer, "There is no focal consolidation, pleural effusion or pneumothorax. Bilateral nodular "
                         "opacities are stable. No acute cardiopulmonary process.");
  EXPECT_EQ(s[0].kind, "report");
  EXPECT_EQ(s[0].prep, "report_headings");
  EXPECT_EQ(s[1].answer, "Low lung volumes, no pneumonia.");  // after a WET READ section, on the heading's line
  EXPECT_EQ(s[1].media.size(), 1u);
}

TEST(BenchmarkLoaders, ChexpertPlusAsPublishedShowsAValidStudysFirstImage) {
  const auto s = Load("CheXpert_Plus");
  ASSERT_EQ(s.size(), 1u);  // the train row and the valid study without sections are left out
  EXPECT_EQ(s[0].id, "valid/patient64541/study1");
  ASSERT_EQ(s[0].media.size(), 1u);
  EXPECT_TRUE(EndsWith(s[0].media[0], "CheXpert_Plus/PNG/valid/patient64541/study1/view1_frontal.png"));
  EXPECT_EQ(s[0].answer, "Stable cardiomegaly. Left basilar opacity, \"patchy\". 1. Possible left lower lobe pneumonia.");
  EXPECT_EQ(s[0].prompt, Load("MIMIC_CXR")[0].prompt);
}

// A report missing from the reports zip, or a table without its report sections, is named.
TEST(BenchmarkLoaders, ReportSetsNameAMissingReportOrColumn) {
  ScratchDir scratch;
  const fs::path root = scratch.path();
  fs::create_directories(root / "MIMIC_CXR");
  fs::copy_file(kRoot + "/MIMIC_CXR/mimic-cxr-2.0.0-split.csv.gz", root / "MIMIC_CXR" / "mimic-cxr-2.0.0-split.csv.gz");
  fs::create_directories(root / "CheXpert_Plus");
  std::ofstream(root / "CheXpert_Plus" / "df_chexpert_plus_240401.csv")
      << "path_to_image,report,split\nvalid/patient1/study1/view1_frontal.jpg,FINDINGS: clear,valid\n";
  auto error_of = [&](const char* name) -> std::string {
    try {
      LoadBenchmark(FindBenchmark(name), {root.string()});
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  const std::string mimic = error_of("MIMIC_CXR");
  EXPECT_NE(mimic.find("files/p10/p10000032/s50414267.txt: the report (from mimic-cxr-reports.zip"), std::string::npos)
      << mimic;
  const std::string chexpert = error_of("CheXpert_Plus");
  EXPECT_NE(chexpert.find("df_chexpert_plus_240401.csv: no column \"section_findings\""), std::string::npos) << chexpert;
}

TEST(BenchmarkLoaders, ReportSetsInMedUniEvalsJsonAskForAReport) {
  const auto mimic = LoadBenchmark(FindBenchmark("MIMIC_CXR"), {kOwnJsonRoot});
  ASSERT_EQ(mimic.size(), 1u);
  EXPECT_EQ(mimic[0].media.size(), 2u);
  EXPECT_EQ(mimic[0].kind, "report");
  EXPECT_EQ(mimic[0].answer.rfind("Findings: There is no focal consolidation", 0), 0u);
  const auto chexpert = LoadBenchmark(FindBenchmark("CheXpert_Plus"), {kOwnJsonRoot});
  ASSERT_EQ(chexpert.size(), 1u);
  ASSERT_EQ(chexpert[0].media.size(), 1u);  // the first image only
  EXPECT_TRUE(EndsWith(chexpert[0].media[0], "view1_frontal.jpg"));
  EXPECT_EQ(chexpert[0].prompt, mimic[0].prompt);
}

TEST(BenchmarkLoaders, AbsenceOfBothFormsSaysWhereToGetThePublishedOne) {
  for (const char* name : {"Medmnist", "M3D", "3DRad", "IU_XRAY", "MIMIC_CXR", "CheXpert_Plus"}) {
    try {
      LoadBenchmark(FindBenchmark(name), {"/nonexistent/data"});
      ADD_FAILURE() << name << ": no error";
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("(nor another form it accepts) not found. Get it from "), std::string::npos) << m;
      EXPECT_NE(m.find("https://"), std::string::npos) << m;
      EXPECT_NE(m.find("and put it in /nonexistent/data/"), std::string::npos) << m;
      EXPECT_NE(m.find("or MedUniEval's own"), std::string::npos) << m;
    }
  }
}

TEST(BenchmarkLoaders, EachAbsenceSaysWhereToGetItWhereToPutItAndHowToConvert) {
  const std::pair<const char*, const char*> kParquetSets[] = {
      {"MMLU_Pro", "test-00000-of-00001.parquet DATA/MMLU_Pro/test.jsonl`"},
      {"PATH_VQA", "test-*.parquet DATA/PATH_VQA/test.jsonl`"},
      {"MedFrameQA", "test-*.parquet DATA/MedFrameQA/test.jsonl`"},
      {"MMMU-Medical-val", "SUBJECT/validation-*.parquet DATA/MMMU/SUBJECT/validation.jsonl`"}};
  for (const auto& [name, command_tail] : kParquetSets) {
    try {
      LoadBenchmark(FindBenchmark(name), {"/nonexistent/data"});
      ADD_FAILURE() << name << ": no error";
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("/nonexistent/data/"), std::string::npos) << m;
      EXPECT_NE(m.find("https://huggingface.co/datasets/"), std::string::npos) << m;
      EXPECT_NE(m.find("run `npm ci` once and `node tools/eval/parquet_to_jsonl.mjs " + std::string(command_tail)),
                std::string::npos)
          << m;
    }
  }
}

TEST(BenchmarkLoaders, BadRecordsNameFileAndRecord) {
  ScratchDir scratch;
  const auto dir = scratch.path();
  std::filesystem::create_directories(dir / "SuperGPQA");
  {
    std::ofstream(dir / "SuperGPQA" / "SuperGPQA-all.jsonl")
        << R"({"uuid":"x","question":"q","options":"not a list","answer_letter":"A","discipline":"Medicine","field":"f"})"
        << "\n";
  }
  try {
    LoadBenchmark(FindBenchmark("SuperGPQA"), {dir.string()});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("SuperGPQA-all.jsonl record 1: \"options\" must be a list"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace hm::eval
