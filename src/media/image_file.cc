#include "media/image_file.h"

#include <cstring>

#include "core/error.h"
#include "io/mapped_file.h"
#include "media/jpeg_decoder.h"
#include "media/png_decoder.h"

namespace hm {

Image DecodeImage(const uint8_t* data, size_t size, const std::string& what) {
  static constexpr uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  static constexpr uint8_t kJpeg[3] = {0xff, 0xd8, 0xff};
  if (size >= sizeof(kPng) && std::memcmp(data, kPng, sizeof(kPng)) == 0)
    return DecodePng(data, size, what);
  if (size >= sizeof(kJpeg) && std::memcmp(data, kJpeg, sizeof(kJpeg)) == 0)
    return DecodeJpeg(data, size, what);
  HM_CHECK(size > 0, what, ": empty file");
  Fail(what, ": not a PNG or JPEG image (unrecognised content)");
}

Image LoadImageFile(const std::string& path) {
  MappedFile file(path);
  return DecodeImage(file.data(), file.size(), path);
}

Frames StillImage(Image image) {
  Frames f;
  f.images.push_back(std::move(image));
  f.from_pil = true;
  f.merge_size = 1;
  return f;
}

}  // namespace hm
