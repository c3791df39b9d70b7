// A training checkpoint made into a model to ship: its weights in a smaller dtype (f16 halves
// an f32 checkpoint) beside the files the engine loads (config, tokenizer, processor, chat
// template), plus any extra files such as a model card. The optimizer and trainer state stay
// behind. The folder appears complete or not at all (written beside it, then renamed).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/dtype.h"

namespace hm {

struct ReleaseOptions {
  std::string checkpoint_dir;            // a `hulumed train` checkpoint, or any HF model folder
  std::string out_dir;                   // replaced if it exists
  DType dtype = DType::kF16;             // kF32, kBF16 or kF16
  std::vector<std::string> extra_files;  // copied in by name (README.md as the model card, ...)
};

// Returns the bytes of weights written. hm::Error if a weight does not fit the dtype (f16
// overflows past 65504: a silent inf would be a broken model).
int64_t WriteRelease(const ReleaseOptions& options);

}  // namespace hm
