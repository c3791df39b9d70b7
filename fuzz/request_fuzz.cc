// The chat-completion request parser on arbitrary bodies: JSON, OpenAI fields, data: URIs,
// base64 and the media decoders behind them. Any input must end in a request or an
// hm::Error (an OpenAI-style 4xx), never a crash. Local files are off, as by default.
#include <cstddef>
#include <cstdint>
#include <string>

#include "server/api_error.h"
#include "server/completion_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const hm::MediaResolver media(
      [] {
        hm::MediaLimits limits;
        limits.max_image_pixels = 1 << 20;  // keep single runs fast and small
        limits.max_frames = 8;
        limits.max_slices = 8;
        return limits;
      }(),
      std::nullopt);
  try {
    hm::ParseCompletionRequest(std::string(reinterpret_cast<const char*>(data), size), media);
  } catch (const hm::Error&) {
  }
  return 0;
}
