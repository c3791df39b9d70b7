// From media to the decoder's input sequence: preprocess every media item of a request
// together (they share one pixel budget), encode and project them, decide which visual
// tokens token reduction keeps, and splice the features into the prompt.
#pragma once

#include <cstdint>
#include <vector>

#include "media/frames.h"
#include "media/preprocess.h"
#include "media/preprocessor_config.h"
#include "model/model.h"
#include "model/token_reduction.h"
#include "runtime/generate.h"

namespace hm {

struct MultimodalOptions {
  PreprocessOptions preprocess;
  bool token_reduction = true;  // applies only when config.json use_token_compression is true
  TokenReductionOptions reduction;
};

struct EncodedMedia {
  int64_t frames = 0;
  int64_t tokens_per_frame = 0;       // (gh/m) * (gw/m)
  std::vector<float> features;        // [frames * tokens_per_frame, decoder hidden]
  std::vector<uint8_t> keep;          // [frames * tokens_per_frame], 1 = kept
  std::array<int64_t, 3> grid{};      // (t, gh, gw) in patches
  int64_t kept() const;
};

// Throws hm::Error for a checkpoint without a vision encoder.
std::vector<EncodedMedia> EncodeMedia(const Model& model, const std::vector<Frames>& media,
                                      const PreprocessorConfig& preprocessor,
                                      const MultimodalOptions& options, ThreadPool& pool);

// `ids` holds one image_token placeholder per frame, in media order. Each is expanded to the
// frame's visual tokens, those reduction dropped vanish with their features, and the rest of
// the embeddings come from the token table. Positions are simply 0..n-1 afterwards.
Prompt AssemblePrompt(const Decoder& decoder, const std::vector<int32_t>& ids, int32_t image_token,
                      const std::vector<EncodedMedia>& media);

}  // namespace hm
