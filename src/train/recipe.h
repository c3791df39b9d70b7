// A training recipe: one JSON file holding one stage or a list of stages (the paper's
// curriculum), each naming its data, which module groups train at what rate, batch shape,
// schedule and checkpointing. Parsing is strict: an unknown or ill-typed field is an error
// naming the file and the field's path, so a typo never silently falls back to a default.
//
//   {"defaults": {...fields...}, "stages": [{"name": ..., ...fields...}, ...]}
//   or one stage's fields at the top level.
// Every stage takes the defaults' fields, then its own. "sources" (field -> note) records
// where a value comes from (the paper, or VideoLLaMA3's defaults where the paper is silent).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/lora_adapter.h"
#include "train/adamw.h"
#include "train/group_lrs.h"

namespace hm {

struct DataSource {
  // JSON or JSONL records in the reference format, or a pack (`hulumed data pack`): its shard
  // folder or that folder's index.json, streamed from (train/packed_source.h)
  std::string path;
  double weight = 1.0;     // relative sampling weight among the stage's files
  std::string media_root;  // media paths in records are relative to this (default: the file's folder)
};

// "lora": {"rank": 16, "alpha": 32, "dropout": 0.05,
//          "targets": {"llm": ["q_proj", ...], "vision": ["fc1", ...]},  (a plain list: the decoder's)
//          "recompute_activations": false}
// A LoRA stage trains an adapter beside the frozen start model (an HF folder or a quantized
// GGUF one) instead of its weights; "modules" then gives the adapter's learning rate per tower,
// and a projector learning rate trains the projector in full beside it (modules_to_save).
// Recomputation keeps one decoder layer's activations instead of all (a 7B base with
// 2048-token samples needs it to stay within ~10 GB) for one more forward of compute.
struct LoraStage {
  LoraSettings settings;
  std::vector<std::string> llm_targets, vision_targets;
  bool recompute_activations = false;
};

struct StageRecipe {
  std::string name;
  std::string start_checkpoint;  // HF model folder; empty: the previous stage's output
  std::string output_dir;
  std::vector<DataSource> data;
  GroupLrs lrs;                  // "modules": {"vision": {"lr": x} | "frozen", ...}

  int image_merge_size = 1;
  int video_merge_size = 2;
  bool token_reduction = false;
  int64_t max_length = 16384;        // tokens per sample, text and visual
  int64_t max_visual_tokens = 10240;
  double fps = 1.0;
  int max_frames = 180;

  int64_t steps = 0;     // optimizer steps; 0 means derived from epochs
  double epochs = 0.0;
  int64_t global_batch_samples = 128;
  // Samples of one micro-batch train side by side, one per thread (small models: set it to the
  // global batch); one sample alone uses the threads inside its operations (large models).
  int64_t micro_batch_samples = 1;
  int64_t micro_batch_tokens = 0;   // packing budget per micro-batch; 0: no packing

  double warmup_ratio = 0.03;
  double max_grad_norm = 1.0;       // <= 0 disables clipping
  AdamWOptions adamw;               // weight_decay, beta1, beta2, eps
  std::string compute_dtype = "f32";  // "f32" or "bf16"; master weights are always f32

  uint64_t seed = 42;
  int64_t save_every_steps = 0;     // 0: only at the end
  int64_t keep_checkpoints = 0;     // older ones are deleted once a newer one is complete; 0: keep all
  std::map<std::string, std::string> sources;
  std::optional<LoraStage> lora;

  // Micro-batches per optimizer step on `ranks` processes (global batch / (micro * ranks)).
  int64_t AccumulationSteps(int ranks = 1) const;
};

struct Recipe {
  std::string path;
  std::vector<StageRecipe> stages;
};

// Relative paths in the recipe are resolved against the recipe file's folder.
Recipe ReadRecipe(const std::string& path);

}  // namespace hm
