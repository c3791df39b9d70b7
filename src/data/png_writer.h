// PNG output for generated images (phantoms, charts): 8-bit RGB, no time or text chunks, so
// the same pixels always give the same bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "media/frames.h"

namespace hm {

// The PNG bytes of an 8-bit RGB image (width, height >= 1).
std::vector<uint8_t> EncodePng(const Image& image);

// EncodePng written to `path`; throws hm::Error naming the path if it cannot be written.
void WritePng(const std::string& path, const Image& image);

}  // namespace hm
