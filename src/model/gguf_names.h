// Tensor names between the HF checkpoint layout and GGUF: llama.cpp's qwen2/qwen3 names for
// the text decoder (so other GGUF tools can run it) and clip-style "v." / "mm." names for
// the vision encoder and projector in the separate mmproj file.
#pragma once

#include <optional>
#include <string>

namespace hm {

enum class GgufPart { kText, kVision };

struct GgufName {
  GgufPart part;
  std::string name;
};

// Nullopt for a name outside the Hulu-Med layout. Both vision prefixes (HF and the original
// release's nested one) map to the same GGUF names.
std::optional<GgufName> GgufNameOf(const std::string& hf_name);
// The HF name (non-nested vision prefix) of a GGUF tensor, or nullopt if unknown.
std::optional<std::string> HfNameOf(GgufPart part, const std::string& gguf_name);

}  // namespace hm
