// JPEG decoding with Pillow's open().convert('RGB') semantics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "media/frames.h"

namespace hm {

// Decodes baseline/progressive JPEG with libjpeg-turbo's defaults, which are Pillow's (ISLOW
// IDCT, fancy upsampling), so pixels equal Pillow 9.4's. Gray is replicated; CMYK/YCCK is read
// Adobe-inverted and converted with Pillow's cmyk2rgb. EXIF orientation is ignored, as in the
// reference. A truncated stream is an error (Pillow raises rather than pad with gray).
Image DecodeJpeg(const uint8_t* data, size_t size, const std::string& what);

}  // namespace hm
