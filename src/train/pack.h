// `hulumed data pack`: training records to token shards (train/token_shards.h) a trainer
// streams from. Each record is labelled by the trainer's own rule (TrainingSampleBuilder: the
// checkpoint's chat template, assistant turns labelled, one image-token slot per visual token
// kept by token reduction), so packed and unpacked training see the same tokens. Media are
// loaded once to count their tokens and referenced, not stored.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "train/token_shards.h"
#include "train/training_samples.h"

namespace hm {

struct PackOptions {
  std::vector<std::string> inputs;  // .jsonl or .json files, packed in this order
  // The tokenizer and chat template; media records also need the checkpoint's config.json
  // and preprocessor_config.json (a tokenizer folder alone packs text-only records).
  std::string model_dir;
  std::string out_dir;
  // How media become visual tokens: a recipe stage's settings, so the stage can train on the
  // pack; unset: the checkpoint's (merge sizes of the loader, its token-reduction flag).
  std::optional<SampleMediaOptions> media;
  int64_t shard_tokens = int64_t{1} << 20;
  std::function<void(int64_t records_read)> progress;  // now and then
};

struct PackSummary {
  int64_t records_read = 0;     // all input records, skipped ones included
  int64_t resumed_records = 0;  // of those, already in complete shards at the start
  int64_t samples = 0, tokens = 0;
  std::vector<SkippedRecord> skipped;
  size_t shards = 0;
};

// Resumes an interrupted pack into the same folder (same inputs and tokenizer); a bad record
// is skipped and listed with its file:line and reason, never stops the run.
PackSummary PackRecords(const PackOptions& options);

}  // namespace hm
