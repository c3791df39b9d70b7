// Still images: the reference's Image.open(path).convert('RGB') for the formats we decode.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "media/frames.h"

namespace hm {

// Decodes PNG or JPEG content, chosen by its magic bytes (never by file name). Anything else,
// including empty or truncated data, is an hm::Error naming `what`.
Image DecodeImage(const uint8_t* data, size_t size, const std::string& what);

// Reads and decodes an image file.
Image LoadImageFile(const std::string& path);

// A still image as a one-frame media item (merge size 1, PIL size quirk applies).
Frames StillImage(Image image);

}  // namespace hm
