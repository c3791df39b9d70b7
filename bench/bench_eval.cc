// The eval harness's throughput on a 1,000-question text multiple-choice set (MedQA-USMLE's
// published JSONL form, generated here) with a model in this process, and the harness's own
// cost per sample: loading, the runner's bookkeeping and response log I/O, and scoring.
//
//   bench_eval [--model DIR] [--questions N] [--max-new-tokens N] [--threads N]
//
// The runner is timed twice: with the model (samples/s a user sees) and with an instant
// backend (the harness alone). Model time is measured inside Respond, so "runner overhead"
// is the run's wall time minus the time spent generating.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.h"
#include "eval/benchmarks.h"
#include "eval/local_backend.h"
#include "eval/rule_scorer.h"
#include "eval/runner.h"

namespace fs = std::filesystem;
using hm::eval::EvalSample;

namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

// N MedQA-USMLE records, each question different so prompts (and token counts) vary a little.
void WriteQuestions(const fs::path& file, int n) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file);
  static const char* kDrugs[] = {"Ampicillin", "Ceftriaxone", "Doxycycline", "Nitrofurantoin", "Vancomycin"};
  for (int i = 0; i < n; ++i) {
    const nlohmann::json r = {
        {"question", "A " + std::to_string(20 + i % 60) + "-year-old patient presents with symptom " +
                         std::to_string(i) + " and a fever. Which drug is the most appropriate next step?"},
        {"answer", kDrugs[i % 4]},
        {"options", {{"A", kDrugs[i % 5]}, {"B", kDrugs[(i + 1) % 5]}, {"C", kDrugs[(i + 2) % 5]}, {"D", kDrugs[(i + 3) % 5]}}},
        {"meta_info", "step1"},
        {"answer_idx", std::string(1, static_cast<char>('A' + i % 4))}};
    out << r.dump() << "\n";
  }
  HM_CHECK(out.good(), file.string(), ": could not write the question set");
}

// Times the wrapped backend's Respond calls.
class TimedBackend : public hm::eval::Backend {
 public:
  explicit TimedBackend(hm::eval::Backend& inner) : inner_(inner) {}
  std::string Respond(const EvalSample& s) override {
    const auto start = Clock::now();
    std::string reply = inner_.Respond(s);
    nanos_ += std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
    return reply;
  }
  int max_in_flight() const override { return inner_.max_in_flight(); }
  std::string model_name() const override { return inner_.model_name(); }
  double seconds() const { return nanos_ * 1e-9; }

 private:
  hm::eval::Backend& inner_;
  std::atomic<int64_t> nanos_{0};
};

// The harness alone: a reply at once, one at a time like the in-process model.
class InstantBackend : public hm::eval::Backend {
 public:
  std::string Respond(const EvalSample&) override { return "<answer>A</answer>"; }
  int max_in_flight() const override { return 1; }
  std::string model_name() const override { return "instant"; }
};

struct Timing {
  double run = 0, model = 0, score = 0;
};

Timing RunAndScore(const std::vector<EvalSample>& samples, hm::eval::Backend& backend, const fs::path& dir) {
  const auto& info = hm::eval::FindBenchmark("MedQA_USMLE");
  TimedBackend timed(backend);
  Timing t;
  auto start = Clock::now();
  const auto summary = hm::eval::RunSamples(info.name, samples, timed, {dir.string(), {}, 0, /*progress=*/false});
  t.run = Seconds(start);
  t.model = timed.seconds();
  HM_CHECK(summary.complete(), "run incomplete: ", summary.first_error);
  start = Clock::now();
  hm::eval::ScoreResponses(dir.string(), info.layout, hm::eval::RuleScorer(hm::eval::Scoring::kCompat));
  t.score = Seconds(start);
  return t;
}

}  // namespace

int main(int argc, char** argv) try {
  std::string model = HULUMED_SOURCE_DIR "/testdata/models/tiny-qwen2";
  int questions = 1000, max_new_tokens = 32, threads = 1;  // see bench/results/eval-harness-*.md
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--model") model = value;
    else if (flag == "--questions") questions = std::stoi(value);
    else if (flag == "--max-new-tokens") max_new_tokens = std::stoi(value);
    else if (flag == "--threads") threads = std::stoi(value);
    else throw hm::Error("unknown flag " + flag + " (--model, --questions, --max-new-tokens, --threads)");
  }
  const fs::path root = fs::temp_directory_path() / ("hm_bench_eval_" + std::to_string(getpid()));
  fs::remove_all(root);
  WriteQuestions(root / "data" / "MedQA_USMLE" / "test.jsonl", questions);

  auto start = Clock::now();
  const auto samples = hm::eval::LoadBenchmark(hm::eval::FindBenchmark("MedQA_USMLE"), {(root / "data").string()});
  const double load = Seconds(start);

  start = Clock::now();
  hm::eval::LocalBackend local({model, threads, max_new_tokens});
  const double model_load = Seconds(start);
  const Timing with_model = RunAndScore(samples, local, root / "model");
  InstantBackend instant;
  const Timing alone = RunAndScore(samples, instant, root / "instant");
  fs::remove_all(root);

  const double n = static_cast<double>(samples.size());
  const auto us = [n](double seconds) { return seconds / n * 1e6; };
  std::printf("bench_eval: %zu MedQA-USMLE questions, model %s (load %.2f s), %d threads, max %d new tokens\n",
              samples.size(), model.c_str(), model_load, threads, max_new_tokens);
  std::printf("with the model: %.2f samples/s (run %.2f s + scoring %.3f s + loading %.3f s)\n",
              n / (with_model.run + with_model.score + load), with_model.run, with_model.score, load);
  std::printf("  model (in Respond): %.1f us/sample; harness: runner %.1f us/sample, scoring %.1f us/sample, "
              "loading %.1f us/sample\n",
              us(with_model.model), us(with_model.run - with_model.model), us(with_model.score), us(load));
  std::printf("harness alone (instant backend): %.0f samples/s; runner %.1f us/sample (backend %.1f), scoring %.1f "
              "us/sample\n",
              n / (alone.run + alone.score), us(alone.run - alone.model), us(alone.model), us(alone.score));
  std::printf("harness share of the model run: %.2f%%\n",
              100.0 * ((with_model.run - with_model.model) + with_model.score + load) /
                  (with_model.run + with_model.score + load));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_eval: %s\n", e.what());
  return 1;
}
