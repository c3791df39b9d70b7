#include "media/png_decoder.h"

#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "media/image_limits.h"

namespace hm {
namespace {

// libpng reports errors by longjmp. Everything between setjmp and libpng lives in plain C
// structs and in functions without C++ objects, so the jump never skips a destructor; the
// C++ side turns a failed step into hm::Error afterwards.
struct PngState {
  png_structp png = nullptr;
  png_infop info = nullptr;
  const uint8_t* data = nullptr;
  size_t size = 0;
  size_t pos = 0;
  char message[200] = {0};
  // Header fields, filled by ReadHeader.
  png_uint_32 width = 0, height = 0;
  int bit_depth = 0, color_type = 0, interlace = 0;
  png_colorp palette = nullptr;
  int num_palette = 0;
};

void OnError(png_structp png, png_const_charp msg) {
  auto* s = static_cast<PngState*>(png_get_error_ptr(png));
  std::snprintf(s->message, sizeof(s->message), "%s", msg);
  longjmp(png_jmpbuf(png), 1);
}

void OnWarning(png_structp, png_const_charp) {}

void OnRead(png_structp png, png_bytep out, png_size_t n) {
  auto* s = static_cast<PngState*>(png_get_io_ptr(png));
  if (n > s->size - s->pos) png_error(png, "file is truncated");
  std::memcpy(out, s->data + s->pos, n);
  s->pos += n;
}

bool ReadHeader(PngState* s) {
  if (setjmp(png_jmpbuf(s->png))) return false;
  png_set_read_fn(s->png, s, OnRead);
  // Pillow checks the CRC of every chunk before the image data, ancillary ones included...
  png_set_crc_action(s->png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
  // Pillow reads past palette indices without complaint (see DecodePng's comment).
  png_set_check_for_invalid_index(s->png, 0);
  // The pixel limit below is ours; lift libpng's own 1e6-per-side default to match Pillow.
  png_set_user_limits(s->png, 0x7fffffff, 0x7fffffff);
  png_read_info(s->png, s->info);
  png_get_IHDR(s->png, s->info, &s->width, &s->height, &s->bit_depth, &s->color_type,
               &s->interlace, nullptr, nullptr);
  if (s->color_type == PNG_COLOR_TYPE_PALETTE &&
      !png_get_PLTE(s->png, s->info, &s->palette, &s->num_palette)) {
    png_error(s->png, "palette image without PLTE chunk");
  }
  png_set_interlace_handling(s->png);
  png_read_update_info(s->png, s->info);
  // ...but never that of IDAT, whose bytes go straight to its decoder.
  png_set_crc_action(s->png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
  return true;
}

bool ReadRows(PngState* s, png_bytepp rows) {
  if (setjmp(png_jmpbuf(s->png))) return false;
  png_read_image(s->png, rows);
  return true;
}

// Sample i of a packed row of `bits`-bit samples (MSB first), big-endian when 16-bit.
inline unsigned Sample(const uint8_t* row, size_t i, int bits) {
  switch (bits) {
    case 8: return row[i];
    case 16: return (unsigned{row[2 * i]} << 8) | row[2 * i + 1];
    default: {
      const size_t bit = i * bits;
      return (row[bit / 8] >> (8 - bits - bit % 8)) & ((1u << bits) - 1);
    }
  }
}

class PngHandle {
 public:
  explicit PngHandle(PngState* s) : s_(s) {}
  ~PngHandle() { png_destroy_read_struct(&s_->png, s_->info ? &s_->info : nullptr, nullptr); }

 private:
  PngState* s_;
};

}  // namespace

Image DecodePng(const uint8_t* data, size_t size, const std::string& what) {
  PngState s;
  s.data = data;
  s.size = size;
  s.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &s, OnError, OnWarning);
  HM_CHECK(s.png != nullptr, what, ": cannot initialise libpng");
  PngHandle handle(&s);
  s.info = png_create_info_struct(s.png);
  HM_CHECK(s.info != nullptr, what, ": cannot initialise libpng");
  HM_CHECK(ReadHeader(&s), what, ": not a valid PNG (", s.message, ")");
  HM_CHECK(s.width > 0 && s.height > 0, what, ": PNG has zero size");
  HM_CHECK(int64_t{s.width} * s.height <= kMaxImagePixels, what, ": PNG is ", s.width, "x",
           s.height, ", more than ", kMaxImagePixels, " pixels");

  const size_t row_bytes = png_get_rowbytes(s.png, s.info);
  // Deflate cannot expand more than ~1032:1, so a header promising more rows than the file
  // could hold is rejected before its buffer is allocated.
  HM_CHECK((row_bytes + 1) * s.height / 1032 <= size, what, ": PNG header claims ", s.width,
           "x", s.height, " pixels, more than its ", size, " bytes can hold");
  std::vector<uint8_t> raw(row_bytes * s.height);
  std::vector<png_bytep> rows(s.height);
  for (png_uint_32 y = 0; y < s.height; ++y) rows[y] = raw.data() + y * row_bytes;
  HM_CHECK(ReadRows(&s, rows.data()), what, ": corrupt PNG data (", s.message, ")");

  const int bits = s.bit_depth;
  Image out;
  out.width = static_cast<int>(s.width);
  out.height = static_cast<int>(s.height);
  out.rgb.resize(size_t{s.width} * s.height * 3);
  for (png_uint_32 y = 0; y < s.height; ++y) {
    const uint8_t* row = rows[y];
    uint8_t* o = &out.rgb[size_t{y} * s.width * 3];
    for (size_t x = 0; x < s.width; ++x, o += 3) {
      switch (s.color_type) {
        case PNG_COLOR_TYPE_GRAY: {
          const unsigned v = Sample(row, x, bits);
          // Pillow: 1/2/4-bit gray scales to 0..255, 16-bit becomes mode I and clips at 255.
          const uint8_t g = bits == 16 ? static_cast<uint8_t>(v > 255 ? 255 : v)
                            : bits == 8 ? static_cast<uint8_t>(v)
                                        : static_cast<uint8_t>(v * 255 / ((1u << bits) - 1));
          o[0] = o[1] = o[2] = g;
          break;
        }
        case PNG_COLOR_TYPE_PALETTE: {
          const unsigned i = Sample(row, x, bits);
          if (static_cast<int>(i) < s.num_palette) {
            o[0] = s.palette[i].red;
            o[1] = s.palette[i].green;
            o[2] = s.palette[i].blue;
          } else {
            o[0] = o[1] = o[2] = static_cast<uint8_t>(i);
          }
          break;
        }
        default: {
          // RGB, RGBA, gray+alpha at 8 or 16 bits: keep the colour samples' high byte.
          const int channels = s.color_type == PNG_COLOR_TYPE_RGB    ? 3
                               : s.color_type == PNG_COLOR_TYPE_RGBA ? 4
                                                                     : 2;
          const size_t bytes = bits / 8;
          const uint8_t* p = row + x * channels * bytes;
          if (channels == 2) {
            o[0] = o[1] = o[2] = p[0];
          } else {
            o[0] = p[0];
            o[1] = p[bytes];
            o[2] = p[2 * bytes];
          }
        }
      }
    }
  }
  return out;
}

}  // namespace hm
