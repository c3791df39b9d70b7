// Size limits shared by the image decoders, checked against header fields before allocating.
#pragma once

#include <cstdint>

namespace hm {

// Pillow refuses images over twice its MAX_IMAGE_PIXELS (DecompressionBombError); the
// reference could never have seen a larger one, and it keeps a forged header from asking for
// gigabytes.
inline constexpr int64_t kMaxImagePixels = 2 * 89478485;

}  // namespace hm
