#include "data/png_writer.h"

#include <png.h>

#include <csetjmp>

#include "core/error.h"
#include "data/file_bytes.h"

namespace hm {
namespace {

// libpng reports errors by longjmp; the jump target below holds no C++ objects with
// destructors between setjmp and the libpng calls.
void OnError(png_structp png, png_const_charp) { longjmp(png_jmpbuf(png), 1); }
void OnWarning(png_structp, png_const_charp) {}
void OnWrite(png_structp png, png_bytep data, png_size_t n) {
  auto* out = static_cast<std::vector<uint8_t>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + n);
}
void OnFlush(png_structp) {}

bool WriteRows(png_structp png, png_infop info, const Image& image, png_bytepp rows,
               std::vector<uint8_t>* out) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_write_fn(png, out, OnWrite, OnFlush);
  png_set_IHDR(png, info, image.width, image.height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  return true;
}

}  // namespace

std::vector<uint8_t> EncodePng(const Image& image) {
  HM_CHECK(image.width >= 1 && image.height >= 1 &&
               image.rgb.size() == static_cast<size_t>(image.width) * image.height * 3,
           "png: image of ", image.width, "x", image.height, " has ", image.rgb.size(), " bytes");
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, OnError, OnWarning);
  HM_CHECK(png, "png: out of memory");
  png_infop info = png_create_info_struct(png);
  std::vector<png_bytep> rows(image.height);
  for (int y = 0; y < image.height; ++y) {
    rows[y] = const_cast<png_bytep>(image.rgb.data() + static_cast<size_t>(y) * image.width * 3);
  }
  std::vector<uint8_t> out;
  const bool ok = info && WriteRows(png, info, image, rows.data(), &out);
  png_destroy_write_struct(&png, &info);
  HM_CHECK(ok, "png: encoding failed");
  return out;
}

void WritePng(const std::string& path, const Image& image) { WriteFileBytes(path, EncodePng(image)); }

}  // namespace hm
