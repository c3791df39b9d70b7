// hulumed bench --parallel 1,2,4,8: the server's batching engine (no HTTP) under N streams
// that start together. Per level: time to first token and inter-token latency (p50, p99),
// throughput over the whole run, and decode throughput over the window in which all N streams
// were decoding at once, beside the single-stream figure.
#include "apps/bench_serving.h"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "core/error.h"
#include "server/engine.h"

namespace hm {
namespace {

using Seconds = std::chrono::duration<double>;

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

// A question of about `words` tokens, different for every stream so no prefix is shared.
std::string Question(int level, int index, int64_t words) {
  std::string q = "Stream " + std::to_string(level) + "." + std::to_string(index) + ":";
  static const char* kWords[] = {" lung", " nodule", " axial", " contrast", " lesion", " margin", " density", " left"};
  for (int64_t i = 0; i < words; ++i) q += kWords[(i * 7 + index * 3 + level) % 8];
  return q;
}

JobOutcome Follow(Job& job) {
  std::string text;
  for (;;) {
    const Job::State s = job.Wait(std::chrono::milliseconds(200), &text);
    text.clear();
    if (s == Job::State::kDone || s == Job::State::kFailed) return job.outcome();
  }
}

}  // namespace

void BenchServing(const ServingBenchOptions& o) {
  const int most = *std::max_element(o.levels.begin(), o.levels.end());
  Metrics metrics;
  EngineOptions e;
  e.parallel = most;
  e.max_queue = 0;
  e.threads = o.threads;
  e.kv_type = o.kv_type;
  e.ctx = std::max<int64_t>(4096, 8 * o.prompt + o.gen);  // words can take several tokens each
  e.max_tokens = static_cast<int>(o.gen);
  Engine engine(o.model_dir, e, metrics);
  std::printf("serving: %s, streams %d at most, ~%lld prompt tokens and %lld generated per stream\n",
              o.model_dir.c_str(), most, static_cast<long long>(o.prompt), static_cast<long long>(o.gen));

  double single = 0;
  std::printf("| streams | TTFT p50 s | TTFT p99 s | ITL p50 ms | ITL p99 ms | all tok/s | decode tok/s | x 1 stream |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const int n : o.levels) {
    std::vector<std::shared_ptr<Job>> jobs;
    for (int i = 0; i < n; ++i) {
      CompletionRequest r;
      r.chat.messages = nlohmann::ordered_json::array({{{"role", "user"}, {"content", Question(n, i, o.prompt)}}});
      r.max_tokens = static_cast<int>(o.gen);
      r.sampling.temperature = 0.0f;
      jobs.push_back(std::make_shared<Job>("bench", std::move(r), Clock::now() + std::chrono::hours(1)));
    }
    const auto start = Clock::now();
    std::vector<JobOutcome> outcomes(static_cast<size_t>(n));
    std::vector<std::thread> followers;
    for (int i = 0; i < n; ++i) HM_CHECK(engine.Submit(jobs[i]), "bench: the engine refused stream ", i);
    for (int i = 0; i < n; ++i) followers.emplace_back([&, i] { outcomes[i] = Follow(*jobs[i]); });
    for (auto& f : followers) f.join();
    const auto end = Clock::now();

    // Latencies from the engine's own token times, not from when a client thread woke.
    std::vector<double> ttft, itl;
    int64_t tokens = 0;
    Clock::time_point all_decoding = start, first_done = end;
    for (const JobOutcome& t : outcomes) {
      HM_CHECK(t.error_status == 0, "bench: a stream failed: ", t.error_message);
      HM_CHECK(!t.token_times.empty(), "bench: a stream generated nothing");
      tokens += static_cast<int64_t>(t.token_times.size());
      ttft.push_back(Seconds(t.token_times.front() - start).count());
      for (size_t k = 1; k < t.token_times.size(); ++k)
        itl.push_back(Seconds(t.token_times[k] - t.token_times[k - 1]).count());
      all_decoding = std::max(all_decoding, t.token_times.front());
      first_done = std::min(first_done, t.token_times.back());
    }
    // Decode rate while every stream was decoding: tokens sampled in that window.
    int64_t in_window = 0;
    for (const JobOutcome& t : outcomes)
      for (const auto& a : t.token_times) in_window += a > all_decoding && a <= first_done;
    const double window = Seconds(first_done - all_decoding).count();
    const double decode = window > 0 ? in_window / window : 0;
    if (n == o.levels.front()) single = decode / n;
    std::printf("| %d | %.2f | %.2f | %.0f | %.0f | %.2f | %.2f | %.2f |\n", n, Percentile(ttft, 0.5),
                Percentile(ttft, 0.99), 1e3 * Percentile(itl, 0.5), 1e3 * Percentile(itl, 0.99),
                tokens / Seconds(end - start).count(), decode, single > 0 ? decode / single : 0);
    std::printf("bench_serving: streams=%d ttft_p50_s=%.3f ttft_p99_s=%.3f itl_p50_ms=%.1f itl_p99_ms=%.1f "
                "all_tok_s=%.2f decode_tok_s=%.2f\n",
                n, Percentile(ttft, 0.5), Percentile(ttft, 0.99), 1e3 * Percentile(itl, 0.5), 1e3 * Percentile(itl, 0.99),
                tokens / Seconds(end - start).count(), decode);
  }
}

}  // namespace hm
