#include "io/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>

#include "core/error.h"

namespace hm {

bool IsGzip(const uint8_t* data, size_t size) {
  return size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
}

std::vector<uint8_t> Gunzip(const uint8_t* data, size_t size, size_t max_out, const std::string& what) {
  std::vector<uint8_t> out;
  z_stream z{};
  HM_CHECK(inflateInit2(&z, 16 + MAX_WBITS) == Z_OK, what, ": cannot initialise zlib");
  z.next_in = const_cast<Bytef*>(data);
  size_t in_left = size;
  int ret = Z_OK;
  constexpr size_t kChunk = size_t{1} << 20;
  while (out.size() < max_out) {
    if (z.avail_in == 0) {
      z.avail_in = static_cast<uInt>(std::min<size_t>(in_left, UINT32_MAX));
      in_left -= z.avail_in;
    }
    const size_t have = out.size();
    const size_t want = std::min(kChunk, max_out - have);
    out.resize(have + want);
    z.next_out = out.data() + have;
    z.avail_out = static_cast<uInt>(want);
    ret = inflate(&z, Z_NO_FLUSH);
    out.resize(have + (want - z.avail_out));
    if (ret == Z_STREAM_END) {
      // Another gzip member may follow (pigz, cat a.gz b.gz).
      if (z.avail_in == 0 && in_left == 0) break;
      if (inflateReset(&z) != Z_OK) break;
      continue;
    }
    if (ret == Z_BUF_ERROR && z.avail_in == 0 && in_left == 0) break;  // input ran out
    if (ret != Z_OK) {
      const std::string msg = z.msg ? z.msg : "inflate failed";
      inflateEnd(&z);
      Fail(what, ": corrupt gzip data (", msg, ")");
    }
  }
  inflateEnd(&z);
  return out;
}

}  // namespace hm
