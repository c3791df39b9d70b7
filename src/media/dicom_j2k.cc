#include "media/dicom_j2k.h"

#include <openjpeg.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "core/error.h"

namespace hm {

namespace {

// OpenJPEG pulls its input through callbacks; this is the in-memory source they read.
struct MemorySource {
  std::span<const uint8_t> data;
  size_t pos = 0;
};

OPJ_SIZE_T Read(void* buffer, OPJ_SIZE_T n, void* user) {
  auto* src = static_cast<MemorySource*>(user);
  const size_t left = src->data.size() - src->pos;
  if (left == 0) return static_cast<OPJ_SIZE_T>(-1);
  const size_t take = std::min<size_t>(n, left);
  std::memcpy(buffer, src->data.data() + src->pos, take);
  src->pos += take;
  return take;
}

OPJ_OFF_T Skip(OPJ_OFF_T n, void* user) {
  auto* src = static_cast<MemorySource*>(user);
  if (n < 0) return -1;
  const size_t left = src->data.size() - src->pos;
  const size_t take = std::min<size_t>(static_cast<size_t>(n), left);
  src->pos += take;
  return static_cast<OPJ_OFF_T>(take);
}

OPJ_BOOL Seek(OPJ_OFF_T to, void* user) {
  auto* src = static_cast<MemorySource*>(user);
  if (to < 0 || static_cast<size_t>(to) > src->data.size()) return OPJ_FALSE;
  src->pos = static_cast<size_t>(to);
  return OPJ_TRUE;
}

// Keeps OpenJPEG's last error so the hm::Error can say what the decoder disliked.
void OnError(const char* msg, void* user) { *static_cast<std::string*>(user) = msg; }
void Ignore(const char*, void*) {}

struct CodecDeleter {
  void operator()(opj_codec_t* c) const { opj_destroy_codec(c); }
};
struct StreamDeleter {
  void operator()(opj_stream_t* s) const { opj_stream_destroy(s); }
};
struct ImageDeleter {
  void operator()(opj_image_t* i) const { opj_image_destroy(i); }
};

}  // namespace

std::vector<double> DecodeJ2kFrame(std::span<const uint8_t> codestream, int width, int height,
                                   int samples, const char* what) {
  static constexpr uint8_t kJp2Signature[] = {0, 0, 0, 0x0c, 'j', 'P', ' ', ' '};
  const bool jp2 = codestream.size() >= sizeof(kJp2Signature) &&
                   std::memcmp(codestream.data(), kJp2Signature, sizeof(kJp2Signature)) == 0;
  std::unique_ptr<opj_codec_t, CodecDeleter> codec(
      opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K));
  HM_CHECK(codec != nullptr, what, ": cannot create a JPEG 2000 decoder");
  std::string error = "corrupt JPEG 2000 data";
  opj_set_error_handler(codec.get(), OnError, &error);
  opj_set_warning_handler(codec.get(), Ignore, nullptr);
  opj_set_info_handler(codec.get(), Ignore, nullptr);
  opj_dparameters_t params;
  opj_set_default_decoder_parameters(&params);
  HM_CHECK(opj_setup_decoder(codec.get(), &params), what, ": JPEG 2000 decoder setup failed");

  MemorySource source{codestream, 0};
  std::unique_ptr<opj_stream_t, StreamDeleter> stream(opj_stream_create(1 << 16, OPJ_TRUE));
  HM_CHECK(stream != nullptr, what, ": cannot create a JPEG 2000 stream");
  opj_stream_set_user_data(stream.get(), &source, nullptr);
  opj_stream_set_user_data_length(stream.get(), codestream.size());
  opj_stream_set_read_function(stream.get(), Read);
  opj_stream_set_skip_function(stream.get(), Skip);
  opj_stream_set_seek_function(stream.get(), Seek);

  opj_image_t* raw = nullptr;
  const bool header_ok = opj_read_header(stream.get(), codec.get(), &raw);
  std::unique_ptr<opj_image_t, ImageDeleter> image(raw);
  HM_CHECK(header_ok && image, what, ": corrupt compressed pixel data (JPEG 2000 header: ", error, ")");
  // Check the geometry before decoding so a lying header cannot make OpenJPEG allocate more
  // than the DICOM attributes announced.
  const int64_t w = static_cast<int64_t>(image->x1) - image->x0;
  const int64_t h = static_cast<int64_t>(image->y1) - image->y0;
  HM_CHECK(w == width && h == height, what, ": JPEG 2000 frame is ", w, "x", h,
           " but the DICOM header says ", width, "x", height);
  HM_CHECK(static_cast<int>(image->numcomps) >= samples, what, ": JPEG 2000 frame has ",
           image->numcomps, " components, expected ", samples);
  for (int c = 0; c < samples; ++c) {
    HM_CHECK(image->comps[c].dx == 1 && image->comps[c].dy == 1, what,
             ": subsampled JPEG 2000 components are not supported");
  }
  HM_CHECK(opj_decode(codec.get(), stream.get(), image.get()) &&
               opj_end_decompress(codec.get(), stream.get()),
           what, ": JPEG 2000 decoding failed: ", error);

  const size_t pixels = static_cast<size_t>(width) * static_cast<size_t>(height);
  std::vector<double> out(pixels * samples);
  for (int c = 0; c < samples; ++c) {
    const opj_image_comp_t& comp = image->comps[c];
    HM_CHECK(comp.data != nullptr && comp.w == static_cast<OPJ_UINT32>(width) &&
                 comp.h == static_cast<OPJ_UINT32>(height),
             what, ": JPEG 2000 component ", c, " has no full-size data");
    for (size_t p = 0; p < pixels; ++p) out[p * samples + c] = comp.data[p];
  }
  return out;
}

}  // namespace hm
