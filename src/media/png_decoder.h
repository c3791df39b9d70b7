// PNG decoding with Pillow's open().convert('RGB') semantics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "media/frames.h"

namespace hm {

// Decodes any PNG layout (gray/RGB/palette/gray+alpha/RGBA, 1-16 bits, interlaced) to RGB as
// Pillow 9.4 does: alpha dropped (not composited), tRNS ignored, palette expanded (indices
// past the PLTE read as (i, i, i), Pillow's gray-ramp default), low-bit gray scaled by bit
// replication, 16-bit gray saturated at 255 (Pillow's mode I), other 16-bit samples reduced
// to their high byte, gAMA/iCCP ignored. `what` names the source in errors.
Image DecodePng(const uint8_t* data, size_t size, const std::string& what);

}  // namespace hm
