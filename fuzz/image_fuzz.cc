// Image bytes from users: PNG/JPEG decoding, then the resize the preprocessor applies.
#include <cstddef>
#include <cstdint>

#include "core/error.h"
#include "media/image_file.h"
#include "media/resize.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const hm::Image im = hm::DecodeImage(data, size, "fuzz");
    // Shrink on one axis and grow on the other. Tiny files can declare megapixel images that
    // decode to gray; resizing those too would only slow the fuzzer down.
    if (int64_t{im.width} * im.height <= (1 << 20))
      hm::ResizeBicubic(im, im.width / 3 + 1, im.height % 97 + 1);
  } catch (const hm::Error&) {
  }
  return 0;
}
