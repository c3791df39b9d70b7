// The benchmarks `hulumed eval run` knows: where each one's local copy lives under the data
// root, in the format it is published in, and how its samples are built (MedUniEval's
// loaders in utils/<Name>/<Name>.py). Parquet-published sets are first converted to JSONL by
// tools/eval/parquet_to_jsonl.mjs (an npm parquet reader), so C++ reads JSON, JSONL, CSV
// (gzipped too), .npz/.npy arrays and report text files.
#pragma once

#include <string>
#include <vector>

#include "eval/eval_sample.h"

namespace hm::eval {

// The shape of metrics.json, one per MedUniEval benchmark family.
enum class MetricsLayout {
  kAccuracy,      // {"total metrics": {total, right, acc}}
  kBySplit,       // MedMNIST: {"total_metrics", "split_metrics"} with accuracy in percent (Medmnist.py)
  kOpenClose,     // VQA: "total metrics", "open" (with text scores), "close"
  kByCategory3d,  // M3D: "by_category" and "overall" (eval_3d.py)
  kReport,        // report generation: meteor, bleu1-4, rouge1/2/L (cal_report_metrics.py)
  kByFamily,      // our own sets (phantoms, real scans): accuracy per question family beside its
                  // chance level; scored by answer matching (answer_match.h), not MedUniEval's rules
  kRubric,        // HealthBench: {"score", "final_metrics"} from LLM-graded rubric items (rubric_grading.h)
};

// Which samples MedUniEval's LLM judge (use_llm_judge) decides, overriding the rule;
// kRubricItems: an LLM grader decides every rubric item, and there is no rule (HealthBench).
enum class JudgeScope { kNone, kOpenQuestions, kAllQuestions, kRubricItems };

struct BenchmarkInfo {
  std::string name;       // MedUniEval's --eval_datasets name
  std::string folder;     // under the data root (an absolute folder is read where it is)
  std::string main_file;  // relative to the folder: what must exist (the published form's)
  std::string source;     // where to get it, and how to lay it out
  MetricsLayout layout;
  JudgeScope judged = JudgeScope::kNone;
  // Why `-b all` leaves the benchmark out (empty: it is in): it can be run by name.
  std::string left_out_of_all = {};
  // Other files whose presence also lets the benchmark load: MedUniEval's own JSON where a
  // set has one, and the other published names of a set split over several files.
  std::vector<std::string> also_accepted = {};
  // Its samples are conversations of several turns, which MedUniEval cuts to the first message
  // and fixed mode sends whole (quirk 14): the two modes ask the model different things.
  bool multi_turn = false;
};

const std::vector<BenchmarkInfo>& KnownBenchmarks();

// Throws hm::Error for an unknown name (listing the known ones).
const BenchmarkInfo& FindBenchmark(const std::string& name);

struct LoadOptions {
  std::string data_root;
  bool reasoning = false;  // MedUniEval's REASONING=True prompts
  // fixed mode: a multi-turn sample goes to the model as its whole conversation (`messages`);
  // otherwise as MedUniEval sends it, its first message only.
  bool whole_conversations = false;
};

// All samples of the benchmark's test split, in source order. A missing local copy is an
// hm::Error saying where to get it and where to put it.
std::vector<EvalSample> LoadBenchmark(const BenchmarkInfo& info, const LoadOptions& options);

// The stem of the benchmark's response files: "responses", or "responses.fixed" for a
// multi-turn benchmark sent whole conversations, so the replies to the two modes' different
// inputs are kept apart and a rerun in one mode never reuses or mixes in the other's.
std::string ResponsesStem(const BenchmarkInfo& info, bool whole_conversations);

}  // namespace hm::eval
