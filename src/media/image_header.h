// Width and height from a PNG or JPEG header, read before decoding so that the server's
// pixel limit holds before any pixel buffer is allocated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

namespace hm {

// (width, height), or nullopt when the data is neither a PNG nor a JPEG with a frame header.
std::optional<std::pair<int64_t, int64_t>> ImageDimensions(const uint8_t* data, size_t size);

}  // namespace hm
