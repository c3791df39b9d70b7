// What `hulumed data validate` and `stats` learn about one training record: its problems
// (structure, roles, placeholders, media that are missing or do not decode, length over
// budget) and its lengths in text and visual tokens.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace hm {

struct CheckOptions {
  // Checkpoint folder for tokenizer.json and preprocessor_config.json. Empty: text tokens are
  // estimated as UTF-8 bytes / 4 and visual tokens use the reference processor's defaults.
  std::string model_dir;
  int64_t max_tokens = 16384;         // text + visual (VideoLLaMA3's training max length)
  int64_t max_visual_tokens = 10240;  // VideoLLaMA3's visual budget
};

struct RecordReport {
  std::vector<std::string> problems;  // empty: the record is good
  int64_t text_tokens = 0;
  int64_t visual_tokens = 0;
  int images = 0, videos = 0, volumes = 0;
};

class RecordChecker {
 public:
  explicit RecordChecker(const CheckOptions& options);
  ~RecordChecker();

  // Never throws for anything in the record or its media: problems are returned.
  RecordReport Check(const nlohmann::json& record, const std::string& media_root);

  bool exact_text_tokens() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hm
