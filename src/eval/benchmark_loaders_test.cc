// The benchmarks added after the first eleven, each from its fixture in the published format
// (tools/eval/make_fixtures.mjs): question, choices, gold, media and MedUniEval's prompt.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "eval/benchmarks.h"

namespace hm::eval {
namespace {

const std::string kRoot = HULUMED_SOURCE_DIR "/testdata/eval/benchmarks";

std::vector<EvalSample> Load(const std::string& name, bool reasoning = false) {
  return LoadBenchmark(FindBenchmark(name), {kRoot, reasoning});
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

TEST(BenchmarkLoaders, MedMnistTakesChoicesFromTheQuestionText) {
  const auto s = Load("Medmnist");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].choices, (std::vector<std::string>{"adipose", "background", "debris", "lymphocytes"}));
  EXPECT_EQ(s[0].prompt, "What tissue type is shown in this pathology image?\nA. adipose\nB. background\nC. debris\n"
                         "D. lymphocytes\nAnswer with the option's letter from the given choices directly.");
  EXPECT_EQ(s[0].answer, "C");
  EXPECT_EQ(s[1].choices[1], "eosinophil, a granulocyte\nwith two lobes");  // an option runs to the next "\nX."
  EXPECT_EQ(s[1].prompt.rfind("Which blood cell type is this?", 0), 0u);
  EXPECT_EQ(s[1].category, "bloodmnist");
}

TEST(BenchmarkLoaders, Rad3dNamesItsTaskTypes) {
  const auto s = Load("3DRad");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].kind, "open_3d");
  EXPECT_EQ(s[0].category, "Medical Computation");
  EXPECT_EQ(s[0].prompt, "What is the thickness of the pleural effusion?\nPlease answer the question concisely.");
  EXPECT_EQ(s[1].kind, "closed_3d");
  EXPECT_EQ(s[1].answer, "A. yes");
  EXPECT_TRUE(std::filesystem::is_directory(s[0].media[0]));
}

TEST(BenchmarkLoaders, ReportSetsAskForAReport) {
  const auto mimic = Load("MIMIC_CXR");
  ASSERT_EQ(mimic.size(), 1u);
  EXPECT_EQ(mimic[0].media.size(), 2u);
  EXPECT_EQ(mimic[0].kind, "report");
  EXPECT_EQ(mimic[0].answer.rfind("Findings: There is no focal consolidation", 0), 0u);
  const auto chexpert = Load("CheXpert_Plus");
  ASSERT_EQ(chexpert.size(), 1u);
  ASSERT_EQ(chexpert[0].media.size(), 1u);  // the first image only
  EXPECT_TRUE(EndsWith(chexpert[0].media[0], "view1_frontal.jpg"));
  EXPECT_EQ(chexpert[0].prompt, mimic[0].prompt);
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
  const auto dir = std::filesystem::temp_directory_path() / "hm_bad_supergpqa";
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
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hm::eval
