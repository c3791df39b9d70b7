#include "eval/runner.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "eval/jsonl.h"
#include "eval/benchmark_metrics.h"
#include "eval/progress.h"
#include "eval/response_log.h"

namespace hm::eval {

RunSummary RunSamples(const std::string& benchmark, const std::vector<EvalSample>& samples, Backend& backend,
                      const RunOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  RunSummary summary;
  const std::string path = options.dir + "/" + options.shard.ResponsesFile(options.responses_stem);
  {
    ResponseLog log(path);
    std::vector<const EvalSample*> todo;
    for (const EvalSample& s : samples) {
      if ((options.limit > 0 && s.index >= options.limit) || !options.shard.Contains(s.index)) continue;
      ++summary.selected;
      if (log.answered().count(s.id)) ++summary.skipped;
      else todo.push_back(&s);
    }
    const std::string model = backend.model_name();
    std::atomic<size_t> next{0};
    std::mutex mutex;  // guards summary and progress
    Progress progress(benchmark, summary.selected);
    if (options.progress) progress.Update(summary.skipped);
    // One response line; `error` says why a sample the model cannot take has no reply.
    auto log_reply = [&](const EvalSample& s, const std::string& response, const std::string& error) {
      nlohmann::ordered_json record = SampleRecord(s);
      record["benchmark"] = benchmark;
      record["model"] = model;
      record["response"] = response;
      if (!error.empty()) record["error"] = error;
      log.Append(record);
      std::lock_guard<std::mutex> lock(mutex);
      ++summary.answered;
      summary.too_long += !error.empty();
    };
    auto work = [&] {
      for (size_t i; (i = next++) < todo.size();) {
        const EvalSample& s = *todo[i];
        try {
          std::string response, too_long;
          try {
            response = backend.Respond(s);
          } catch (const SampleTooLong& e) {
            too_long = e.what();
          }
          log_reply(s, response, too_long);
        } catch (const std::exception& e) {
          std::lock_guard<std::mutex> lock(mutex);
          if (summary.failed++ == 0) summary.first_error = e.what();
        }
        std::lock_guard<std::mutex> lock(mutex);
        if (options.progress) progress.Update(summary.skipped + summary.answered + summary.failed);
      }
    };
    const int workers = static_cast<int>(std::min<size_t>(std::max(1, backend.max_in_flight()), todo.size()));
    std::vector<std::thread> threads;
    for (int w = 1; w < workers; ++w) threads.emplace_back(work);
    work();
    for (auto& t : threads) t.join();
    if (options.progress) progress.Finish();
  }
  if (options.shard.count == 1 && summary.complete()) CanonicalizeResponses(path);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

nlohmann::ordered_json ScoreResponses(const std::string& dir, MetricsLayout layout, const ScoreFn& score,
                                      const JudgeStep& judge, const std::string& responses_file) {
  const std::string path = dir + "/" + responses_file;
  HM_CHECK(std::filesystem::exists(path), path, ": no responses to score (run the benchmark, or merge its shards)");
  CanonicalizeResponses(path);
  std::vector<ScoredSample> scored;
  std::vector<nlohmann::ordered_json> lines;
  std::vector<JudgeItem> judge_items;
  std::vector<size_t> judged;
  for (const auto& record : ReadJsonLines(path)) {
    ScoredSample s{SampleFromRecord(record), {}};
    const std::string response = record.value("response", "");
    s.verdict = score(s.sample, response);
    if (judge.judge && (judge.scope == JudgeScope::kAllQuestions ||
                        (judge.scope == JudgeScope::kOpenQuestions && s.sample.category == "open"))) {
      judged.push_back(scored.size());
      judge_items.push_back({s.sample.id, s.sample.question, judge.prepare(s.sample, response), s.sample.answer});
    }
    lines.push_back({{"index", s.sample.index},
                     {"id", s.sample.id},
                     {"kind", s.sample.kind},
                     {"category", s.sample.category},
                     {"verdict", VerdictRecord(s.verdict)}});
    scored.push_back(std::move(s));
  }
  if (!judge_items.empty()) {
    const std::vector<JudgeDecision> decisions = judge.judge->Decide(judge_items);
    for (size_t k = 0; k < judged.size(); ++k) {
      const JudgeDecision& d = decisions[k];
      Verdict& v = scored[judged[k]].verdict;
      v.correct = d.correct.value_or(false);  // MedUniEval: a judge without reply says wrong
      nlohmann::ordered_json& line = lines[judged[k]];
      line["verdict"]["correct"] = *v.correct;
      line["judge"] = {{"model", judge.judge->model()}, {"correct", d.correct ? nlohmann::ordered_json(*d.correct) : nlohmann::ordered_json(nullptr)},
                       {"reply", d.reply}};
      if (!d.error.empty()) line["judge"]["error"] = d.error;
    }
  }
  WriteJsonLines(dir + "/scored.jsonl", lines);
  nlohmann::ordered_json metrics = BenchmarkMetrics(layout, scored);
  if (!judge_items.empty()) metrics["judge_model"] = judge.judge->model();
  WriteTextFile(dir + "/metrics.json", metrics.dump(4) + "\n");
  return metrics;
}

}  // namespace hm::eval
