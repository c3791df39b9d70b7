// `hulumed data synth`: captions, question-answer pairs or chain-of-thought samples made
// from seed records (the training format, with their media) by any OpenAI-compatible
// endpoint, checked by rules and optionally by a verifier prompt, written in the training
// format with their provenance. Resumable (records are appended and flushed one by one, in
// seed order, and a re-run skips the seeds already written), rate-limited, and cached
// (a re-run with the same prompts sends no requests).
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>

#include "data/rate_limiter.h"
#include "eval/openai_backend.h"

namespace hm {

struct SynthOptions {
  eval::EndpointOptions endpoint;  // url, model, tries and backoff on 429/5xx, max_tokens
  std::string task;                // recaption, qa or cot
  std::string seeds;               // training-format records (.jsonl or .json array)
  std::string out;                 // accepted records (.jsonl); rejected ones go to OUT.rejected.jsonl
  std::string templates_dir;       // NAME.txt prompt templates; default: the shipped ones
  double rate_per_minute = 0;      // requests a minute; 0 = no limit
  double burst = 1;                // requests that may go at once after a pause
  int concurrency = 2;             // seeds in flight
  std::string cache_dir;           // request hash -> reply; empty = no cache
  bool verify = false;             // ask the verifier prompt about every output that passes the rules
  double temperature = 0.7;        // of the generation requests (the verifier's is 0)
  size_t max_chars = 2000;         // longest generated text kept
  bool progress = true;            // progress line on stderr
  Clock* clock = nullptr;          // the rate limiter's; default the steady clock
};

struct SynthSummary {
  int64_t seeds = 0;      // records in the seed file
  int64_t bad_seeds = 0;  // reported by file:line and skipped
  int64_t done_before = 0;  // already in OUT or its rejected file
  int64_t generated = 0;    // written to OUT
  std::map<std::string, int64_t> rejected;  // by reason
  int64_t failed = 0;        // no reply after the retries; a re-run tries again
  int64_t requests = 0;      // sent to the endpoint
  int64_t cached = 0;        // replies taken from the cache
};

// Runs the task over every seed not yet done. Bad seeds and failed requests are reported on
// `log` and counted; throws hm::Error only for bad options or unreadable files.
SynthSummary RunSynth(const SynthOptions& options, std::ostream& log);

// The table printed at the end: generated / rejected by reason / cached / failed ...
std::string SynthSummaryTable(const SynthSummary& summary);

// Where the records the rules or the verifier rejected are written for OUT.
std::string RejectedPath(const std::string& out);

}  // namespace hm
