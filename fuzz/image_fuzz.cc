// Image bytes from users: PNG/JPEG decoding, then the resize the preprocessor applies.
#include <cstddef>
#include <cstdint>

#include "core/error.h"
#include "media/image_file.h"
#include "media/resize.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const hm::Image im = hm::DecodeImage(data, size, "fuzz");
    // Shrink on one axis and grow on the other, kept small so each run stays fast.
    hm::ResizeBicubic(im, im.width / 3 + 1, im.height % 97 + 1);
  } catch (const hm::Error&) {
  }
  return 0;
}
