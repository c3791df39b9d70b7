// Perceptual image hash for near-duplicate detection: the 64-bit difference hash (dHash) of
// a 9x8 grayscale thumbnail, one bit per horizontally adjacent pair (left brighter than
// right). Re-encoding, small noise and resizing change few bits; different images about half.
#pragma once

#include <bit>
#include <cstdint>

#include "media/frames.h"

namespace hm {

uint64_t DifferenceHash(const Image& image);

inline int HashDistance(uint64_t a, uint64_t b) { return std::popcount(a ^ b); }

}  // namespace hm
