#include "data/file_bytes.h"

#include <zlib.h>

#include <fstream>
#include <sstream>

#include "core/error.h"

namespace hm {

void WriteFileBytes(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  HM_CHECK(out, path, ": cannot create file");
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  HM_CHECK(out, path, ": write failed");
}

void WriteFileBytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  WriteFileBytes(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HM_CHECK(in, path, ": cannot open");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  HM_CHECK(!in.bad(), path, ": read failed");
  return bytes.str();
}

std::vector<uint8_t> GzipBytes(const std::vector<uint8_t>& bytes) {
  z_stream z{};
  // windowBits 15 + 16 asks for a gzip wrapper; without deflateSetHeader its mtime is 0.
  HM_CHECK(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK, "gzip: deflateInit2 failed");
  std::vector<uint8_t> out(deflateBound(&z, bytes.size()));
  z.next_in = const_cast<Bytef*>(bytes.data());
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  HM_CHECK(rc == Z_STREAM_END, "gzip: deflate did not finish");
  return out;
}

}  // namespace hm
