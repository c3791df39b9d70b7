// `hulumed quantize`: an HF checkpoint directory to a GGUF pair. The text decoder goes to
// model-<type>.gguf with llama.cpp's qwen2/qwen3 names, metadata and tokenizer.ggml.* keys
// (so other GGUF tools can run it); the vision encoder and projector go to
// mmproj-model-<type>.gguf under our own architecture key "hulumed_vision". The small HF
// side files are copied alongside, so the output directory loads like the input.
#pragma once

#include <cstdint>
#include <string>

#include "kernels/quant.h"

namespace hm {

struct QuantizeOptions {
  kernels::BlockType text = kernels::BlockType::kQ8_0;
  // The vision tower is small and sensitive; 8 bits by default.
  kernels::BlockType vision = kernels::BlockType::kQ8_0;
  int threads = 0;
};

struct QuantizeReport {
  std::string text_file, vision_file;  // vision_file empty for text-only models
  uint64_t text_bytes = 0, vision_bytes = 0;
  int quantized = 0;  // matrices stored in a block format
  int kept = 0;       // tensors kept dense (norms, biases, rows not whole blocks)
};

// Parses "q8_0", "q4_0", "q4_k"; throws hm::Error otherwise.
kernels::BlockType ParseQuantType(const std::string& name);

QuantizeReport QuantizeCheckpoint(const std::string& in_dir, const std::string& out_dir,
                                  const QuantizeOptions& options);

}  // namespace hm
