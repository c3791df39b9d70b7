// Every benchmark loads from its fixture in the published format (testdata/eval/benchmarks,
// written by tools/eval/make_fixtures.mjs) with MedUniEval's prompts and answer rules.
#include "eval/benchmarks.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"

namespace hm::eval {
namespace {

const std::string kRoot = HULUMED_SOURCE_DIR "/testdata/eval/benchmarks";

std::vector<EvalSample> Load(const std::string& name) { return LoadBenchmark(FindBenchmark(name), {kRoot}); }

TEST(Benchmarks, EveryKnownBenchmarkLoadsItsFixture) {
  for (const BenchmarkInfo& info : KnownBenchmarks()) {
    if (std::filesystem::path(info.folder).is_absolute()) continue;  // real-scans: installed files (own_sets_test)
    const auto samples = LoadBenchmark(info, {kRoot});
    EXPECT_FALSE(samples.empty()) << info.name;
    for (size_t i = 0; i < samples.size(); ++i) {
      EXPECT_EQ(samples[i].index, static_cast<int64_t>(i)) << info.name;
      EXPECT_FALSE(samples[i].kind.empty()) << info.name;
      for (const std::string& m : samples[i].media) EXPECT_TRUE(std::filesystem::exists(m)) << info.name << ": " << m;
    }
  }
}

TEST(Benchmarks, MedQaUsesTheMultipleChoicePromptVerbatim) {
  const auto s = Load("MedQA_USMLE");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].prompt,
            "\nQuestion: A 23-year-old woman has burning on urination. Which drug is best?\nOptions: \n"
            "A. Ampicillin\nB. Ceftriaxone\nC. Doxycycline\nD. Nitrofurantoin\n"
            "Answer with the option's letter from the given choices directly.");
  EXPECT_EQ(s[0].answer, "D");
  EXPECT_EQ(s[0].kind, "multi_choice");
  EXPECT_EQ(s[0].prep, "answer_tag");
}

TEST(Benchmarks, ReasoningPromptsAskForABoxedAnswer) {
  const auto s = LoadBenchmark(FindBenchmark("VQA_RAD"), {kRoot, /*reasoning=*/true});
  EXPECT_EQ(s[0].prompt, "Is there a fracture?\nPlease reason step by step, and put your final answer within \\boxed{}.");
}

TEST(Benchmarks, PubMedQaPutsTheContextFirst) {
  const auto s = Load("PubMedQA");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].id, "21645374");
  EXPECT_EQ(s[0].choices, (std::vector<std::string>{"A.yes", "B.no", "C.maybe"}));
  EXPECT_EQ(s[0].prompt.rfind("Context: Programmed cell death occurs in plants.\nLace plant leaves perforate.\n\nQuestion: ", 0), 0u);
  EXPECT_EQ(s[2].answer, "C");
}

TEST(Benchmarks, MmluMedicalReadsTheNineSubjectsInOrder) {
  const auto s = Load("MMLU-medical");
  ASSERT_EQ(s.size(), 10u);
  EXPECT_EQ(s[0].category, "anatomy");
  EXPECT_EQ(s[1].id, "anatomy/1");
  EXPECT_EQ(s[1].choices, (std::vector<std::string>{"Femur", "Ulna", "Tibia", "Radius"}));
  EXPECT_NE(s[1].prompt.find("Options: \nA.Femur\nB.Ulna\nC.Tibia\nD.Radius\n"), std::string::npos);
  EXPECT_EQ(s[1].answer, "A");
  EXPECT_EQ(s.back().category, "high_school_biology");
}

TEST(Benchmarks, MedMcqaAndMedbulletsLetterTheirOptionsAsMedUniEvalDoes) {
  const auto mcqa = Load("MedMCQA");
  ASSERT_EQ(mcqa.size(), 2u);
  EXPECT_EQ(mcqa[1].choices[1], "B. Ethosuximide");
  EXPECT_EQ(mcqa[1].answer, "B");
  EXPECT_EQ(mcqa[1].id, "5c6f0d7e");
  const auto op4 = Load("Medbullets_op4");
  EXPECT_EQ(op4[1].choices, (std::vector<std::string>{"A.Penicillin", "B.Cefazolin", "C.Vancomycin", "D.Amoxicillin"}));
  EXPECT_EQ(op4[1].answer, "C");
  const auto op5 = Load("Medbullets_op5");
  ASSERT_EQ(op5[1].choices.size(), 5u);
  EXPECT_EQ(op5[1].choices[4], "E.Intramuscular epinephrine");
  EXPECT_EQ(op5[1].answer, "E");
}

TEST(Benchmarks, VqaRadSplitsYesNoFromOpenAndNormalisesTheAnswer) {
  const auto s = Load("VQA_RAD");
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[1].kind, "judgement");
  EXPECT_EQ(s[1].answer, "yes");
  EXPECT_EQ(s[1].category, "close");
  EXPECT_EQ(s[2].kind, "open_ended");
  EXPECT_EQ(s[2].answer, "liver");
  EXPECT_EQ(s[2].prompt, "Which organ is shown?\nPlease answer the question concisely.");
  EXPECT_EQ(s[0].prompt, "Is there a fracture?\nAnswer the question using a single word or phrase.");
}

TEST(Benchmarks, SlakeSkipsChineseAndKeepsClosedNonYesNoAsCloseEnded) {
  const auto s = Load("SLAKE");
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].kind, "open_ended");
  EXPECT_EQ(s[1].kind, "judgement");
  EXPECT_EQ(s[2].kind, "close_ended");
  EXPECT_EQ(s[2].id, "14");
  EXPECT_NE(s[0].media[0].find("imgs/xmlab1/source.jpg"), std::string::npos);
}

TEST(Benchmarks, PmcVqaReadsQuotedCsvFields) {
  const auto s = Load("PMC_VQA");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1].choices[2], "C:Both, bilateral");
  EXPECT_EQ(s[1].answer, "C");
  EXPECT_EQ(s[0].prep, "");
}

// Each published row is asked closed (with M3D's "Choices:" line) and open, over the slice
// folder its .npy volume is unpacked into.
TEST(Benchmarks, M3dAsPublishedAsksEachRowClosedThenOpen) {
  const auto s = Load("M3D");
  ASSERT_EQ(s.size(), 8u);
  EXPECT_EQ(s[0].id, "0#closed");
  EXPECT_EQ(s[0].kind, "closed_3d");
  EXPECT_EQ(s[0].category, "Plane");
  EXPECT_EQ(s[0].prompt, "Which plane is this image in? Choices: A. axial B. coronal C. sagittal D. oblique\n"
                         "Answer with the option's letter from the given choices directly.");
  EXPECT_EQ(s[0].answer, "A. axial");
  EXPECT_EQ(s[1].id, "0#open");
  EXPECT_EQ(s[1].kind, "open_3d");
  EXPECT_EQ(s[1].prompt, "Which plane is this image in?\nPlease answer the question concisely.");
  EXPECT_EQ(s[1].answer, "axial");
  EXPECT_EQ(s[3].answer, "Portal venous phase");
  EXPECT_EQ(s[7].category, "Location");
  ASSERT_EQ(s[0].media.size(), 1u);
  EXPECT_NE(s[0].media[0].find("M3D/ct_case/000006/Axial_C__portal_venous_phase"), std::string::npos);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(s[0].media[0]), std::filesystem::directory_iterator()), 6);
}

TEST(Benchmarks, M3dInMedUniEvalsJsonCleansTheImageTagAndMapsQuestionTypes) {
  const auto s = LoadBenchmark(FindBenchmark("M3D"), {HULUMED_SOURCE_DIR "/testdata/eval/medunieval-json"});
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].kind, "closed_3d");
  EXPECT_EQ(s[0].category, "Plane");
  EXPECT_EQ(s[0].prompt, "Which plane is this image in? A. axial B. coronal C. sagittal D. oblique\n"
                         "Answer with the option's letter from the given choices directly.");
  EXPECT_EQ(s[2].kind, "closed_3d");  // "CLOSE" counts as closed too
  EXPECT_EQ(s[3].category, "Location");
  EXPECT_TRUE(std::filesystem::is_directory(s[0].media[0]));
}

TEST(Benchmarks, IuXrayAsksForAReportOnTheTestSplit) {
  const auto s = Load("IU_XRAY");
  ASSERT_EQ(s.size(), 2u);  // the train study is left out
  EXPECT_EQ(s[0].id, "CXR1_1_IM-0001");
  ASSERT_EQ(s[0].media.size(), 2u);
  EXPECT_NE(s[0].media[1].find("IU_XRAY/images/CXR1_1_IM-0001/1.png"), std::string::npos);
  EXPECT_EQ(s[0].kind, "report");
  EXPECT_EQ(s[0].prompt.rfind("You are a helpful assistant. Please generate a report", 0), 0u);
  EXPECT_EQ(s[1].answer, "Borderline cardiomegaly. Midline sternotomy. No acute pulmonary disease.");
  const auto own = LoadBenchmark(FindBenchmark("IU_XRAY"), {HULUMED_SOURCE_DIR "/testdata/eval/medunieval-json"});
  ASSERT_EQ(own.size(), 2u);
  EXPECT_EQ(own[0].media.size(), 2u);
  EXPECT_EQ(own[1].answer, s[1].answer);
}

TEST(Benchmarks, AbsenceSaysWhereToGetItAndWhereToPutIt) {
  try {
    LoadBenchmark(FindBenchmark("VQA_RAD"), {"/nonexistent/data"});
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("/nonexistent/data/VQA_RAD/test.jsonl not found"), std::string::npos) << m;
    EXPECT_NE(m.find("flaviagiammarino/vqa-rad"), std::string::npos) << m;
    EXPECT_NE(m.find("parquet_to_jsonl.mjs"), std::string::npos) << m;
  }
  EXPECT_THROW(FindBenchmark("NoSuchBench"), Error);
}

}  // namespace
}  // namespace hm::eval
