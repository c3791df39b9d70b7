// hulumed eval run / merge / report: run benchmarks against a model in this process or an
// OpenAI-compatible endpoint, resumably and in shards, then score and report.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "apps/commands.h"
#include "core/error.h"
#include "eval/benchmark_metrics.h"
#include "eval/benchmarks.h"
#include "eval/judge.h"
#include "eval/local_backend.h"
#include "eval/openai_backend.h"
#include "eval/report.h"
#include "eval/rubric_grading.h"
#include "eval/rule_scorer.h"
#include "eval/runner.h"
#include "kernels/kernels.h"

namespace hm {
namespace {

struct EvalRunOptions {
  std::vector<std::string> benchmarks;
  std::string data_root = "benchmarks";
  std::string out_dir = "eval_results";
  std::string model_dir;
  std::string endpoint;
  std::string model;
  std::string api_key_env = "OPENAI_API_KEY";
  int jobs = 4;
  int threads = 0;
  int max_new_tokens = 1024;
  std::string shard;
  int64_t limit = 0;
  std::string scoring = "compat";
  bool reasoning = false;
  bool no_progress = false;
  std::string judge_url, judge_model, judge_key_env = "OPENAI_API_KEY";
  int judge_jobs = 8;
};

// `all` is every published benchmark that can be scored: HealthBench only with a grader.
std::vector<std::string> ExpandNames(const std::vector<std::string>& names, bool have_judge) {
  std::vector<std::string> out;
  for (const std::string& n : names) {
    if (n != "all") {
      out.push_back(eval::FindBenchmark(n).name);  // fails early on a typo
      continue;
    }
    for (const auto& info : eval::KnownBenchmarks()) {
      std::string why = info.left_out_of_all;
      if (why.empty() && info.judged == eval::JudgeScope::kRubricItems && !have_judge)
        why = "its rubric items are graded by an LLM: give --judge-url and --judge-model";
      if (why.empty()) out.push_back(info.name);
      else std::fprintf(stderr, "note: 'all' leaves out %s: %s (name it to run it)\n", info.name.c_str(), why.c_str());
    }
  }
  return out;
}

std::unique_ptr<eval::Backend> MakeBackend(const EvalRunOptions& o) {
  HM_CHECK(o.model_dir.empty() != o.endpoint.empty(), "give either -m CHECKPOINT or --endpoint URL --model NAME");
  if (!o.endpoint.empty()) {
    eval::EndpointOptions e{o.endpoint, o.model};
    e.api_key_env = o.api_key_env;
    e.max_in_flight = o.jobs;
    e.max_tokens = o.max_new_tokens;
    return std::make_unique<eval::OpenAiBackend>(e);
  }
  return std::make_unique<eval::LocalBackend>(eval::LocalOptions{o.model_dir, o.threads, o.max_new_tokens});
}

// Scores the benchmark's responses; with a judge configured, it decides the questions
// MedUniEval's use_llm_judge gives it for this benchmark, or grades HealthBench's rubric items.
void Score(const eval::BenchmarkInfo& info, const std::string& dir, const EvalRunOptions& o) {
  const eval::Scoring scoring = eval::ParseScoring(o.scoring);
  const std::string responses = eval::ResponsesStem(info, scoring == eval::Scoring::kFixed) + ".jsonl";
  std::unique_ptr<eval::Judge> judge;
  eval::JudgeStep step;
  if (!o.judge_url.empty() && info.judged != eval::JudgeScope::kNone) {
    eval::EndpointOptions j{o.judge_url, o.judge_model};
    j.api_key_env = o.judge_key_env;
    j.max_in_flight = o.judge_jobs;
    judge = std::make_unique<eval::Judge>(j, dir + "/judge.jsonl");
    step = {judge.get(), info.judged, [](const eval::EvalSample& s, const std::string& r) {
              return eval::CutResponse(s.prep, r);
            }};
  }
  const auto metrics =
      judge && info.judged == eval::JudgeScope::kRubricItems
          ? eval::ScoreRubrics(dir, *judge, scoring, !o.no_progress, responses)
          : eval::ScoreResponses(dir, info.layout, eval::BenchmarkScorer(info, scoring), step, responses);
  if (metrics.contains("ungraded") && metrics["ungraded"] > 0)
    std::fprintf(stderr, "%s: %lld sample(s) left out: a rubric item got no usable grade (run the same command again "
                 "to ask for them; see %s/scored.jsonl)\n", info.name.c_str(),
                 (long long)metrics["ungraded"].get<int64_t>(), dir.c_str());
  const eval::Headline h = eval::HeadlineOf(info.layout, metrics);
  std::fprintf(stderr, "%s: %s %.2f%%%s -> %s/metrics.json\n", info.name.c_str(), h.name.c_str(), h.value,
               judge ? (" (judge " + o.judge_model + ", " + std::to_string(judge->asked()) + " asked)").c_str() : "",
               dir.c_str());
}

void Report(const EvalRunOptions& o) {
  const std::string& out_dir = o.out_dir;
  const int n = eval::WriteReport({out_dir, o.scoring, o.judge_model});
  std::fprintf(stderr, "report of %d benchmark(s): %s/report.md, %s/report.html\n", n, out_dir.c_str(), out_dir.c_str());
}

void Run(const EvalRunOptions& o) {
  const std::vector<std::string> names = ExpandNames(o.benchmarks, !o.judge_url.empty());
  const eval::Shard shard = eval::ParseShard(o.shard);
  const bool fixed = eval::ParseScoring(o.scoring) == eval::Scoring::kFixed;
  HM_CHECK(o.judge_url.empty() == o.judge_model.empty(), "--judge-url and --judge-model go together");
  std::unique_ptr<eval::Backend> backend = MakeBackend(o);
  std::string failures;
  bool scored_any = false;
  for (const std::string& name : names) {
    const eval::BenchmarkInfo& info = eval::FindBenchmark(name);
    const std::string dir = o.out_dir + "/" + info.name;
    std::vector<eval::EvalSample> samples;
    try {
      samples = eval::LoadBenchmark(info, {o.data_root, o.reasoning, /*whole_conversations=*/fixed});
    } catch (const Error& e) {
      std::fprintf(stderr, "error: %s\n", e.what());
      failures += " " + name;
      continue;
    }
    const eval::RunSummary run = eval::RunSamples(info.name, samples, *backend,
                                                     {dir, shard, o.limit, !o.no_progress, eval::ResponsesStem(info, fixed)});
    std::fprintf(stderr, "%s: %lld answered, %lld already done, %lld without reply in %.1f s\n", name.c_str(),
                 (long long)run.answered, (long long)run.skipped, (long long)run.failed, run.seconds);
    if (run.too_long > 0)
      std::fprintf(stderr, "%s: %lld sample(s) longer than the model's context, logged as empty replies (scored wrong)\n",
                   name.c_str(), (long long)run.too_long);
    if (!run.complete()) {
      std::fprintf(stderr, "error: %s: %lld sample(s) got no reply (first: %s); run the same command again to ask for them\n",
                   name.c_str(), (long long)run.failed, run.first_error.c_str());
      failures += " " + name;
      continue;
    }
    if (shard.count > 1) {
      std::fprintf(stderr, "%s: shard %d/%d done; when every shard is: hulumed eval merge --out %s --bench %s --shards %d\n",
                   name.c_str(), shard.index, shard.count, o.out_dir.c_str(), name.c_str(), shard.count);
      continue;
    }
    try {  // one benchmark that cannot be scored (HealthBench) must not stop the others
      Score(info, dir, o);
      scored_any = true;
    } catch (const Error& e) {
      std::fprintf(stderr, "error: %s\n", e.what());
      failures += " " + name;
    }
  }
  if (scored_any) Report(o);
  HM_CHECK(failures.empty(), "not finished:", failures);
}

void AddJudgeFlags(CLI::App& cmd, EvalRunOptions& o) {
  const char* kJudge =
      "LLM judge (MedUniEval's use_llm_judge: VQA-RAD open, SLAKE questions; HealthBench's rubric grader)";
  cmd.add_option("--judge-url", o.judge_url, "OpenAI-compatible base URL of the judge")->group(kJudge);
  cmd.add_option("--judge-model", o.judge_model, "Judge model name (recorded in every output)")->group(kJudge);
  cmd.add_option("--judge-key-env", o.judge_key_env, "Environment variable holding the judge's API key")
      ->group(kJudge)->capture_default_str();
  cmd.add_option("--judge-jobs", o.judge_jobs, "Judge requests in flight at once")
      ->group(kJudge)->capture_default_str()->check(CLI::PositiveNumber);
}

}  // namespace

void AddEvalRunCommands(CLI::App& eval) {
  auto* run = eval.add_subcommand("run", "Run benchmarks on a model (in process or at an OpenAI-compatible endpoint)");
  auto o = std::make_shared<EvalRunOptions>();
  std::string known;
  for (const auto& info : eval::KnownBenchmarks()) known += (known.empty() ? "" : ", ") + info.name;
  run->add_option("-b,--bench,--benchmark", o->benchmarks, "Benchmarks, comma separated, or 'all' (" + known + ")")
      ->required()->delimiter(',');
  run->add_option("--data", o->data_root, "Folder holding one folder per benchmark")->capture_default_str();
  run->add_option("-o,--out", o->out_dir, "Results folder (one folder per benchmark, report.md, report.html)")
      ->capture_default_str();
  run->add_option("-m,--model-dir", o->model_dir, "Checkpoint to run in this process")->check(CLI::ExistingDirectory);
  run->add_option("--endpoint", o->endpoint, "OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1");
  run->add_option("--model", o->model, "Model name sent to the endpoint");
  run->add_option("--api-key-env", o->api_key_env, "Environment variable holding the endpoint's API key")
      ->capture_default_str();
  run->add_option("-j,--jobs", o->jobs, "Requests in flight at once (endpoint)")->capture_default_str()->check(CLI::PositiveNumber);
  run->add_option("-t,--threads", o->threads, "Worker threads (in process; default: all cores)");
  run->add_option("-n,--max-new-tokens", o->max_new_tokens, "Tokens per reply at most")->capture_default_str();
  run->add_option("--shard", o->shard, "Run only shard I/N (sample i belongs to shard i % N); default: the MPI rank");
  run->add_option("--limit", o->limit, "Only the first N samples of each benchmark");
  run->add_option("--scoring", o->scoring, "compat (MedUniEval's rules, quirks included) or fixed")
      ->check(CLI::IsMember({"compat", "fixed"}))->capture_default_str();
  run->add_flag("--reasoning", o->reasoning, "MedUniEval's REASONING prompts (step by step, \\boxed{} answer)");
  run->add_flag("--no-progress", o->no_progress, "No progress line");
  AddJudgeFlags(*run, *o);
  run->callback([o] {
    if (const char* isa = std::getenv("HULUMED_ISA")) kernels::ForceIsa(isa);
    Run(*o);
  });

  auto* merge = eval.add_subcommand("merge", "Combine the shards of a benchmark run, then score and report");
  auto m = std::make_shared<EvalRunOptions>();
  auto shards = std::make_shared<int>(0);
  merge->add_option("-o,--out", m->out_dir, "Results folder of the sharded run")->capture_default_str();
  merge->add_option("-b,--bench", m->benchmarks, "Benchmark")->required()->expected(1);
  merge->add_option("--shards", *shards, "Number of shards N")->required()->check(CLI::Range(2, 1 << 20));
  merge->add_option("--scoring", m->scoring, "compat or fixed")
      ->check(CLI::IsMember({"compat", "fixed"}))->capture_default_str();
  AddJudgeFlags(*merge, *m);
  merge->callback([m, shards] {
    const eval::BenchmarkInfo& info = eval::FindBenchmark(m->benchmarks.at(0));
    const std::string dir = m->out_dir + "/" + info.name;
    const std::string stem = eval::ResponsesStem(info, eval::ParseScoring(m->scoring) == eval::Scoring::kFixed);
    const int64_t n = eval::MergeShards(dir, *shards, stem);
    std::fprintf(stderr, "%s: %lld responses from %d shards -> %s/%s.jsonl\n", info.name.c_str(), (long long)n,
                 *shards, dir.c_str(), stem.c_str());
    Score(info, dir, *m);
    Report(*m);
  });
}

}  // namespace hm
