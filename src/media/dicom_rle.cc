#include "media/dicom_rle.h"

#include <cstring>

#include "core/error.h"

namespace hm {

namespace {

uint32_t ReadLe32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

}  // namespace

std::vector<uint8_t> DecodeRleFrame(std::span<const uint8_t> frame, size_t pixels, int samples,
                                    int bytes_per_sample, const char* what) {
  // Header: segment count, then 15 segment offsets from the start of the frame.
  HM_CHECK(frame.size() >= 64, what, ": RLE frame shorter than its 64-byte header");
  const uint32_t segments = ReadLe32(frame.data());
  const uint32_t expected = static_cast<uint32_t>(samples * bytes_per_sample);
  HM_CHECK(segments == expected, what, ": RLE frame has ", segments, " segments, expected ",
           expected);
  std::vector<uint8_t> out(pixels * expected, 0);
  for (uint32_t s = 0; s < segments; ++s) {
    const uint32_t begin = ReadLe32(frame.data() + 4 + 4 * s);
    const uint32_t end = s + 1 < segments ? ReadLe32(frame.data() + 8 + 4 * s)
                                          : static_cast<uint32_t>(frame.size());
    HM_CHECK(begin >= 64 && begin <= end && end <= frame.size(), what,
             ": RLE segment ", s, " has invalid offsets");
    // Segments run sample by sample, most significant byte first; the output keeps each
    // sample little-endian and interleaved, like uncompressed pixel data.
    const int sample = static_cast<int>(s) / bytes_per_sample;
    const int byte = bytes_per_sample - 1 - static_cast<int>(s) % bytes_per_sample;
    uint8_t* dst = out.data() + sample * bytes_per_sample + byte;
    const size_t stride = expected;
    size_t written = 0;
    size_t pos = begin;
    // PackBits: n in [0, 127] copies n + 1 literal bytes, n in [-127, -1] repeats the next
    // byte 1 - n times, -128 is a no-op. The segment must fill its plane exactly.
    while (pos < end && written < pixels) {
      const int8_t n = static_cast<int8_t>(frame[pos++]);
      if (n >= 0) {
        const size_t count = static_cast<size_t>(n) + 1;
        HM_CHECK(pos + count <= end && written + count <= pixels, what, ": RLE segment ", s,
                 " overruns");
        for (size_t i = 0; i < count; ++i) dst[(written + i) * stride] = frame[pos + i];
        pos += count;
        written += count;
      } else if (n != -128) {
        const size_t count = static_cast<size_t>(1 - n);
        HM_CHECK(pos < end && written + count <= pixels, what, ": RLE segment ", s, " overruns");
        for (size_t i = 0; i < count; ++i) dst[(written + i) * stride] = frame[pos];
        ++pos;
        written += count;
      }
    }
    HM_CHECK(written == pixels, what, ": RLE segment ", s, " holds ", written, " of ", pixels,
             " bytes");
  }
  return out;
}

}  // namespace hm
