#include "media/jpeg_decoder.h"

// jpeglib.h needs size_t and FILE declared first.
#include <cstdio>
#include <jpeglib.h>
#include <jerror.h>

#include <algorithm>
#include <csetjmp>
#include <vector>

#include "core/error.h"
#include "media/image_limits.h"

namespace hm {
namespace {

// libjpeg reports errors through error_exit, which must not return: we longjmp back to the
// step that called it. The steps below hold only C state, so no destructor is skipped.
struct JpegState {
  jpeg_decompress_struct cinfo;
  jpeg_error_mgr err;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX] = {0};
};

void OnErrorExit(j_common_ptr cinfo) {
  auto* s = reinterpret_cast<JpegState*>(cinfo->client_data);
  if (cinfo->err->msg_code == JERR_NO_BACKING_STORE) {  // our memory cap, see DecodeJpeg
    std::snprintf(s->message, sizeof(s->message), "%s",
                  "declared size needs more memory than a file this small can describe");
  } else {
    cinfo->err->format_message(cinfo, s->message);
  }
  longjmp(s->jump, 1);
}

void OnMessage(j_common_ptr cinfo, int level) {
  // Running out of data makes libjpeg pad with gray and warn; Pillow raises instead. Other
  // warnings (extraneous bytes, ...) Pillow ignores, and so do we.
  if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) OnErrorExit(cinfo);
}

bool ReadHeader(JpegState* s, const uint8_t* data, size_t size) {
  if (setjmp(s->jump)) return false;
  jpeg_mem_src(&s->cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&s->cinfo, TRUE);
  switch (s->cinfo.num_components) {
    case 1: s->cinfo.out_color_space = JCS_GRAYSCALE; break;
    case 3: s->cinfo.out_color_space = JCS_RGB; break;
    case 4: s->cinfo.out_color_space = JCS_CMYK; break;
    default: {
      std::snprintf(s->message, sizeof(s->message), "%d colour components",
                    s->cinfo.num_components);
      return false;
    }
  }
  return true;
}

bool StartDecompress(JpegState* s) {
  if (setjmp(s->jump)) return false;
  jpeg_start_decompress(&s->cinfo);
  return true;
}

// Reads the next scanline into out; the last one also finishes the decompression.
bool ReadScanline(JpegState* s, uint8_t* out) {
  if (setjmp(s->jump)) return false;
  JSAMPROW row = out;
  jpeg_read_scanlines(&s->cinfo, &row, 1);
  if (s->cinfo.output_scanline == s->cinfo.output_height) jpeg_finish_decompress(&s->cinfo);
  return true;
}

class JpegHandle {
 public:
  explicit JpegHandle(JpegState* s) : s_(s) {}
  ~JpegHandle() { jpeg_destroy_decompress(&s_->cinfo); }

 private:
  JpegState* s_;
};

// Pillow's cmyk2rgb: each channel is (255 - k) - c * (255 - k) / 255 with its rounding division.
uint8_t CmykChannel(int c, int nk) {
  const int t = c * nk + 128;
  const int v = nk - (((t >> 8) + t) >> 8);
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

}  // namespace

Image DecodeJpeg(const uint8_t* data, size_t size, const std::string& what) {
  HM_CHECK(size > 0, what, ": empty JPEG");
  JpegState s;
  s.cinfo.err = jpeg_std_error(&s.err);
  s.err.error_exit = OnErrorExit;
  s.err.emit_message = OnMessage;
  s.cinfo.client_data = &s;
  jpeg_create_decompress(&s.cinfo);
  JpegHandle handle(&s);
  // A progressive JPEG's coefficients are buffered whole (128 bytes per 8x8 block). A valid
  // file spends at least one bit per block on its DC scan, so more than 1 KiB of buffer per
  // input byte means a forged size on a corrupt stream (Pillow would decode it as gray);
  // libjpeg then fails cleanly instead of buffering gigabytes for a kilobyte file.
  s.cinfo.mem->max_memory_to_use = static_cast<long>(std::min<size_t>(
      (size_t{64} << 20) + size * 1024, size_t{1} << 40));
  HM_CHECK(ReadHeader(&s, data, size), what, ": not a valid JPEG (", s.message, ")");
  const int64_t w = s.cinfo.image_width, h = s.cinfo.image_height;
  HM_CHECK(w > 0 && h > 0, what, ": JPEG has zero size");
  HM_CHECK(w * h <= kMaxImagePixels, what, ": JPEG is ", w, "x", h, ", more than ",
           kMaxImagePixels, " pixels");

  const int channels = s.cinfo.out_color_space == JCS_GRAYSCALE ? 1
                       : s.cinfo.out_color_space == JCS_RGB     ? 3
                                                                : 4;
  HM_CHECK(StartDecompress(&s), what, ": corrupt JPEG data (", s.message, ")");
  // The buffer grows with the rows actually decoded, so a truncated file with a huge header
  // fails (libjpeg's end-of-data warning) before it costs the full image's memory.
  const size_t row_bytes = static_cast<size_t>(w * channels);
  std::vector<uint8_t> raw;
  for (int64_t y = 0; y < h; ++y) {
    raw.resize(raw.size() + row_bytes);
    HM_CHECK(ReadScanline(&s, raw.data() + y * row_bytes), what, ": corrupt JPEG data (",
             s.message, ")");
  }

  Image out;
  out.width = static_cast<int>(w);
  out.height = static_cast<int>(h);
  if (channels == 3) {
    out.rgb = std::move(raw);
    return out;
  }
  out.rgb.resize(static_cast<size_t>(w * h * 3));
  for (size_t p = 0; p < static_cast<size_t>(w * h); ++p) {
    uint8_t* o = &out.rgb[p * 3];
    if (channels == 1) {
      o[0] = o[1] = o[2] = raw[p];
    } else {
      // Adobe CMYK is stored inverted; Pillow's "CMYK;I" raw mode undoes that first.
      const uint8_t* q = &raw[p * 4];
      const int nk = q[3];  // 255 - (255 - stored k)
      o[0] = CmykChannel(255 - q[0], nk);
      o[1] = CmykChannel(255 - q[1], nk);
      o[2] = CmykChannel(255 - q[2], nk);
    }
  }
  return out;
}

}  // namespace hm
