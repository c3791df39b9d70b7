// Running a benchmark against a backend without ever losing work: every response is appended
// to the shard's JSONL log as soon as it arrives, a rerun asks only for what is missing, and
// scoring reads the log back.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/backend.h"
#include "eval/benchmarks.h"
#include "eval/judge.h"
#include "eval/shard.h"
#include "eval/score_fn.h"

namespace hm::eval {

struct RunOptions {
  std::string dir;     // the benchmark's output folder
  Shard shard;
  int64_t limit = 0;   // only samples with index < limit (0 = all)
  bool progress = true;
  std::string responses_stem = "responses";  // ResponsesStem of the benchmark and mode
};

struct RunSummary {
  int64_t selected = 0;  // samples of this shard (within the limit)
  int64_t skipped = 0;   // already in the log
  int64_t answered = 0;  // answered now
  int64_t failed = 0;    // no reply: not logged, asked again by the next run
  int64_t too_long = 0;  // of `answered`: logged with an empty reply (SampleTooLong)
  double seconds = 0;
  std::string first_error;
  bool complete() const { return skipped + answered == selected; }
};

// Asks the backend for every selected sample not yet in DIR/<shard's file of responses_stem>, up to
// backend.max_in_flight() at a time. When a whole (unsharded) run is complete its log is
// rewritten in canonical order (see CanonicalizeResponses).
RunSummary RunSamples(const std::string& benchmark, const std::vector<EvalSample>& samples, Backend& backend,
                      const RunOptions& options);

// The LLM judge pass of a benchmark whose info.judged says which samples it decides; it
// sees the response as the benchmark cuts it (`prepare`).
struct JudgeStep {
  Judge* judge = nullptr;
  JudgeScope scope = JudgeScope::kNone;
  std::function<std::string(const EvalSample&, const std::string&)> prepare;
};

// Scores every record of DIR/`responses_file` and writes DIR/scored.jsonl (one line per
// sample in index order: id, index, kind, category, verdict, and the judge's decision) and
// DIR/metrics.json (with "judge_model" when a judge decided). Returns the metrics.
nlohmann::ordered_json ScoreResponses(const std::string& dir, MetricsLayout layout, const ScoreFn& score,
                                      const JudgeStep& judge = {},
                                      const std::string& responses_file = "responses.jsonl");

}  // namespace hm::eval
