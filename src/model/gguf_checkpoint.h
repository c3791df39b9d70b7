// A quantized checkpoint directory: the text decoder as one GGUF file (llama.cpp names), the
// vision encoder and projector as an "mmproj-*.gguf" file, plus the HF side files
// (config.json, tokenizer.json, ...) that `hulumed quantize` copies next to them.
#pragma once

#include <memory>
#include <string>

#include "io/gguf.h"
#include "model/weights.h"

namespace hm {

class GgufCheckpoint {
 public:
  // True if `dir` holds a *.gguf file (and so is loaded through this class).
  static bool IsGgufDir(const std::string& dir);

  // Maps both files; throws hm::Error naming the file for a missing text file, more than one
  // candidate for either part, or an invalid file.
  explicit GgufCheckpoint(const std::string& dir);

  // Every tensor under its HF name, for BindWeights. Unknown GGUF names are an error.
  SourceTensors Tensors() const;
  const GgufFile& text() const { return *text_; }
  const GgufFile* vision() const { return vision_.get(); }

 private:
  std::unique_ptr<GgufFile> text_;
  std::unique_ptr<GgufFile> vision_;  // null for text-only models
};

}  // namespace hm
