// Training checkpoints: a folder the engine loads as a model (model.safetensors with f32
// weights, plus config, tokenizer and preprocessor files copied from the starting model),
// with the optimizer state and the trainer's state beside it so a run resumes exactly.
//
//   OUTPUT_DIR/checkpoint-<step>/  model.safetensors  config.json  tokenizer.json ...
//                                  optimizer.safetensors  trainer_state.json
//
// A checkpoint is built in OUTPUT_DIR/.tmp-checkpoint-<step>, every file synced, and renamed
// into place only when complete: a kill or a full disk at any moment leaves the previous
// checkpoints as they were, and only complete ones are ever named checkpoint-<step>.
#pragma once

#include <filesystem>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "train/adamw.h"
#include "train/param_view.h"

namespace hm {

struct CheckpointContents {
  std::span<const TrainParam> params;
  const AdamW* optimizer = nullptr;
  nlohmann::json trainer_state;  // the loop's own state: step, data cursor, RNG, history
  // The model the run started from: its non-weight files (config, tokenizer, ...) are copied,
  // its tensors give the parameters' shapes, and tensors that are not parameters are copied.
  std::string model_dir;
  std::vector<std::pair<std::string, std::string>> extra_files;  // (file name, content)
  std::function<void(const std::string& dir)> write_files;        // more files into dir, or none
};

// Files of a model folder that describe it (config, tokenizer, processor, template, card)
// rather than hold its weights, a run's training state or plots.
bool IsModelDescription(const std::filesystem::path& file);

// Writes OUTPUT_DIR/checkpoint-<step> and returns its path. On failure throws hm::Error
// naming the file and leaves no partial checkpoint behind.
std::string WriteTrainCheckpoint(const std::string& output_dir, int64_t step, const CheckpointContents& contents);

// The complete checkpoint with the highest step in output_dir, if any.
std::optional<std::string> LatestTrainCheckpoint(const std::string& output_dir);

// Deletes all but the `keep` newest complete checkpoints (keep >= 1).
void PruneTrainCheckpoints(const std::string& output_dir, int64_t keep);

// Reads a checkpoint's weights into `params` (every one must be present, f32, same size),
// the optimizer state (if `optimizer`), and returns trainer_state.json.
nlohmann::json ReadTrainCheckpoint(const std::string& dir, std::span<TrainParam> params, AdamW* optimizer);

}  // namespace hm
