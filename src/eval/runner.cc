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
  const std::string path = options.dir + "/" + options.shard.ResponsesFile();
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
    auto work = [&] {
      for (size_t i; (i = next++) < todo.size();) {
        const EvalSample& s = *todo[i];
        try {
          const std::string response = backend.Respond(s);
          nlohmann::ordered_json record = SampleRecord(s);
          record["benchmark"] = benchmark;
          record["model"] = model;
          record["response"] = response;
          log.Append(record);
          std::lock_guard<std::mutex> lock(mutex);
          ++summary.answered;
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

nlohmann::ordered_json ScoreResponses(const std::string& dir, MetricsLayout layout, const ScoreFn& score) {
  const std::string path = dir + "/responses.jsonl";
  HM_CHECK(std::filesystem::exists(path), path, ": no responses to score (run the benchmark, or merge its shards)");
  CanonicalizeResponses(path);
  std::vector<ScoredSample> scored;
  std::vector<nlohmann::ordered_json> lines;
  for (const auto& record : ReadJsonLines(path)) {
    ScoredSample s{SampleFromRecord(record), {}};
    s.verdict = score(s.sample, record.value("response", ""));
    lines.push_back({{"index", s.sample.index},
                     {"id", s.sample.id},
                     {"kind", s.sample.kind},
                     {"category", s.sample.category},
                     {"verdict", VerdictRecord(s.verdict)}});
    scored.push_back(std::move(s));
  }
  WriteJsonLines(dir + "/scored.jsonl", lines);
  nlohmann::ordered_json metrics = BenchmarkMetrics(layout, scored);
  WriteTextFile(dir + "/metrics.json", metrics.dump(4) + "\n");
  return metrics;
}

}  // namespace hm::eval
