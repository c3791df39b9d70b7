// `hulumed lora merge`: a base HF checkpoint with a LoRA adapter folded in, W' = W + scale · B A,
// written as an HF checkpoint `run`, `serve`, `quantize` and `train` take unchanged.
#pragma once

#include <string>

namespace hm {

struct LoraMergeReport {
  int merged = 0;    // tensors with an update folded in
  int copied = 0;    // tensors copied as they were
  int replaced = 0;  // projector tensors the adapter trained in full (modules_to_save)
};

// The base must be an HF safetensors directory (f32, bf16 or f16): a quantized GGUF base has
// lost the precision a merge should keep, so it is refused (merge into the HF checkpoint, then
// quantize). Merged tensors keep the base tensor's dtype (rounded to nearest even). Side files
// (config, tokenizer, ...) are copied; out_dir must not be the base. Throws hm::Error.
LoraMergeReport MergeLoraCheckpoint(const std::string& base_dir, const std::string& adapter_dir,
                                    const std::string& out_dir);

}  // namespace hm
