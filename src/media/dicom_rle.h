// DICOM RLE Lossless frames (PS3.5 Annex G), decoded here rather than by DCMTK: DCMTK 3.6.7's
// RLE decoder reads out of bounds on forged segment offsets (found by fuzz/dicom_fuzz.cc),
// and the format is small enough to check every offset and run length ourselves.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace hm {

// Decodes one frame of `pixels` pixels with `samples` samples of `bytes_per_sample` bytes
// each into the uncompressed layout: interleaved per pixel, each sample little-endian.
// Throws hm::Error (prefixed with `what`) on any inconsistency.
std::vector<uint8_t> DecodeRleFrame(std::span<const uint8_t> frame, size_t pixels, int samples,
                                    int bytes_per_sample, const char* what);

}  // namespace hm
