#include "media/video.h"
#include "media/ffmpeg_ptr.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include "core/error.h"
#include "media/dicom_cine.h"
#include "media/dicom_file.h"

namespace hm {

namespace {

// FFmpeg demuxers a video may use: the containers cameras, scopes and ultrasound systems
// export, and raw elementary streams.
constexpr const char* kDemuxers = "mov,matroska,avi,gif,mpeg,mpegts,mxf,flv,asf,ogg,nut,dv,ivf,h264,hevc,m4v,mjpeg";

// Bounds on what a file may make us allocate: frame geometry and the RGB bytes returned.
constexpr int kMaxSide = 16384;
constexpr uint64_t kMaxOutputBytes = uint64_t{4} << 30;

// Python's int() of a non-negative double after clamping to [lo, hi], without overflow.
int64_t ClampTruncate(double v, int64_t lo, int64_t hi) {
  if (!(v > static_cast<double>(lo))) return lo;
  if (v >= static_cast<double>(hi)) return hi;
  return std::max(lo, static_cast<int64_t>(v));
}

std::string AvError(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, buf, sizeof(buf));
  return buf;
}

struct FormatCloser {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
using FormatPtr = std::unique_ptr<AVFormatContext, FormatCloser>;

FormatPtr OpenInput(const std::string& path, int& stream_index) {
  static const bool quiet = [] {
    av_log_set_level(AV_LOG_QUIET);  // failures surface as hm::Error, not log lines
    return true;
  }();
  (void)quiet;
  // Uploaded files are untrusted: only plain local reads, and only real video containers.
  // FFmpeg would otherwise follow a playlist (HLS, say) inside a "video" to other files or
  // URLs, a known way to make a server disclose files.
  AVDictionary* options = nullptr;
  av_dict_set(&options, "protocol_whitelist", "file", 0);
  av_dict_set(&options, "format_whitelist", kDemuxers, 0);
  AVFormatContext* raw = nullptr;
  int rc = avformat_open_input(&raw, path.c_str(), nullptr, &options);
  av_dict_free(&options);
  HM_CHECK(rc >= 0, path, ": cannot open video (", AvError(rc), "); readable containers: ", kDemuxers);
  FormatPtr format(raw);
  rc = avformat_find_stream_info(format.get(), nullptr);
  HM_CHECK(rc >= 0, path, ": cannot read stream info (", AvError(rc), ")");
  stream_index = av_find_best_stream(format.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  HM_CHECK(stream_index >= 0, path, ": no video stream");
  return format;
}

// decord's get_avg_fps(): the stream's average frame rate, else its base rate.
double StreamFps(const AVStream* stream) {
  for (AVRational r : {stream->avg_frame_rate, stream->r_frame_rate}) {
    if (r.num > 0 && r.den > 0) return av_q2d(r);
  }
  return 0;
}

// decord's len(): one frame per packet of the stream, counted without decoding.
int64_t CountFrames(AVFormatContext* format, int stream_index) {
  std::unique_ptr<AVPacket, PacketFreer> packet(av_packet_alloc());
  int64_t count = 0;
  while (av_read_frame(format, packet.get()) >= 0) {
    count += packet->stream_index == stream_index;
    av_packet_unref(packet.get());
  }
  return count;
}

// swscale rejects the deprecated full-range "J" formats; they are the plain ones + full range.
AVPixelFormat Unjpeg(AVPixelFormat f, bool& full_range) {
  switch (f) {
    case AV_PIX_FMT_YUVJ420P: full_range = true; return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P: full_range = true; return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P: full_range = true; return AV_PIX_FMT_YUV444P;
    case AV_PIX_FMT_YUVJ440P: full_range = true; return AV_PIX_FMT_YUV440P;
    default: return f;
  }
}

// Converts like decord's filter graph ("scale" to the same size, then rgb24): swscale with
// bicubic flags, the frame's own matrix (BT.601 when unspecified) and range.
Image ToRgb(const AVFrame* frame, std::unique_ptr<SwsContext, SwsFreer>& sws, const char* path) {
  bool full_range = frame->color_range == AVCOL_RANGE_JPEG;
  const AVPixelFormat src = Unjpeg(static_cast<AVPixelFormat>(frame->format), full_range);
  SwsContext* ctx = sws_getCachedContext(sws.release(), frame->width, frame->height, src,
                                         frame->width, frame->height, AV_PIX_FMT_RGB24,
                                         SWS_BICUBIC, nullptr, nullptr, nullptr);
  sws.reset(ctx);
  HM_CHECK(ctx != nullptr, path, ": cannot convert pixel format ",
           av_get_pix_fmt_name(src) ? av_get_pix_fmt_name(src) : "?", " to RGB");
  const int space = frame->colorspace == AVCOL_SPC_UNSPECIFIED ? SWS_CS_DEFAULT : frame->colorspace;
  const int* coefficients = sws_getCoefficients(space);
  sws_setColorspaceDetails(ctx, coefficients, full_range, sws_getCoefficients(SWS_CS_DEFAULT),
                           1, 0, 1 << 16, 1 << 16);
  // swscale's SIMD path writes whole 8-pixel groups and leaves a row's last width % 8
  // pixels untouched when the row is exactly width * 3 bytes: convert into padded rows.
  const size_t row = static_cast<size_t>(frame->width) * 3;
  const size_t stride = (row + 63) / 64 * 64 + 64;
  std::vector<uint8_t> padded(stride * static_cast<size_t>(frame->height));
  uint8_t* dst[4] = {padded.data(), nullptr, nullptr, nullptr};
  int dst_stride[4] = {static_cast<int>(stride), 0, 0, 0};
  const int rows = sws_scale(ctx, frame->data, frame->linesize, 0, frame->height, dst, dst_stride);
  HM_CHECK(rows == frame->height, path, ": pixel conversion failed");
  Image image;
  image.width = frame->width;
  image.height = frame->height;
  image.rgb.resize(row * static_cast<size_t>(frame->height));
  for (int y = 0; y < frame->height; ++y)
    std::copy_n(padded.data() + y * stride, row, image.rgb.data() + y * row);
  return image;
}

}  // namespace

std::vector<int64_t> SampleVideoFrames(int64_t total, double video_fps,
                                       const VideoOptions& options) {
  HM_CHECK(total >= 1, "video has no frames");
  HM_CHECK(std::isfinite(video_fps) && video_fps > 0, "video has no valid frame rate");
  auto finite = [](const std::optional<double>& v) { return !v || std::isfinite(*v); };
  HM_CHECK(finite(options.start_s) && finite(options.end_s), "video start/end must be finite");
  int64_t start = 0, end = total;
  if (options.start_s) start = ClampTruncate(*options.start_s * video_fps, 0, total - 1);
  if (options.end_s) end = ClampTruncate(*options.end_s * video_fps, start, total);

  std::vector<int64_t> indices;
  int64_t step = 1;
  if (options.fps) {
    HM_CHECK(std::isfinite(*options.fps) && *options.fps > 0, "video fps must be > 0, got ",
             *options.fps);
    step = std::max<int64_t>(1, ClampTruncate(video_fps / *options.fps, 1, INT64_MAX));
  }
  const int64_t count = end > start ? (end - start + step - 1) / step : 0;
  if (options.max_frames) {
    const int m = *options.max_frames;
    HM_CHECK(m >= 1 && m <= kMaxVideoFrames, "max_frames must be in [1, ", kMaxVideoFrames,
             "], got ", m);
    if (count > m) {
      // numpy.linspace(start, end - 1, m, dtype=int): i * step + start in double, last
      // value pinned to the stop, truncated.
      const double delta = static_cast<double>(end - 1 - start);
      const double div = m > 1 ? delta / (m - 1) : 0;
      for (int i = 0; i < m; ++i) {
        indices.push_back(static_cast<int64_t>(static_cast<double>(i) * div +
                                               static_cast<double>(start)));
      }
      if (m > 1) indices.back() = end - 1;
      return indices;
    }
  }
  HM_CHECK(count >= 1, "no video frames in the requested range (start ", start, ", end ", end,
           ")");
  HM_CHECK(count <= kMaxVideoFrames, "video: ", count, " frames selected, more than ",
           kMaxVideoFrames, "; set fps or max_frames");
  for (int64_t i = start; i < end; i += step) indices.push_back(i);
  return indices;
}

Frames LoadVideo(const std::string& path, const VideoOptions& options) {
  if (IsDicomFile(path)) return LoadDicomCine(path, options);
  int stream_index = -1;
  FormatPtr format = OpenInput(path, stream_index);
  AVStream* stream = format->streams[stream_index];
  const double video_fps = StreamFps(stream);
  HM_CHECK(video_fps > 0, path, ": video has no valid frame rate");
  const int64_t total = CountFrames(format.get(), stream_index);
  HM_CHECK(total >= 1, path, ": video has no frames");
  std::vector<int64_t> indices;
  try {
    indices = SampleVideoFrames(total, video_fps, options);
  } catch (const Error& e) {
    Fail(path, ": ", e.what());
  }
  const AVCodecParameters* par = stream->codecpar;
  HM_CHECK(par->width >= 1 && par->height >= 1 && par->width <= kMaxSide && par->height <= kMaxSide,
           path, ": unsupported frame size ", par->width, "x", par->height);
  HM_CHECK(uint64_t(par->width) * par->height * 3 * indices.size() <= kMaxOutputBytes, path,
           ": ", indices.size(), " frames of ", par->width, "x", par->height,
           " exceed the memory limit; lower max_frames");

  // Second pass from the top, on a fresh demuxer: seeking back is not reliable everywhere.
  format = OpenInput(path, stream_index);
  stream = format->streams[stream_index];
  const AVCodec* codec = avcodec_find_decoder(stream->codecpar->codec_id);
  HM_CHECK(codec != nullptr, path, ": no decoder for codec ",
           avcodec_get_name(stream->codecpar->codec_id));
  std::unique_ptr<AVCodecContext, CodecFreer> decoder(avcodec_alloc_context3(codec));
  HM_CHECK(decoder && avcodec_parameters_to_context(decoder.get(), stream->codecpar) >= 0, path,
           ": cannot set up the decoder");
  int rc = avcodec_open2(decoder.get(), codec, nullptr);
  HM_CHECK(rc >= 0, path, ": cannot open decoder (", AvError(rc), ")");

  // Where each frame index goes in the output (an index can only appear once, but keep the
  // map general so repeated indices would simply be copied).
  std::multimap<int64_t, size_t> wanted;
  for (size_t i = 0; i < indices.size(); ++i) wanted.emplace(indices[i], i);
  const int64_t last_wanted = indices.back();
  Frames frames;
  frames.from_pil = false;
  frames.merge_size = 2;
  frames.images.resize(indices.size());
  frames.timestamps.resize(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) {
    frames.timestamps[i] = static_cast<double>(indices[i]) / video_fps;
  }

  std::unique_ptr<AVPacket, PacketFreer> packet(av_packet_alloc());
  std::unique_ptr<AVFrame, FrameFreer> frame(av_frame_alloc());
  std::unique_ptr<SwsContext, SwsFreer> sws;
  int64_t next = 0;  // index of the next decoded frame
  auto drain = [&]() {
    while (next <= last_wanted) {
      const int got = avcodec_receive_frame(decoder.get(), frame.get());
      if (got == AVERROR(EAGAIN) || got == AVERROR_EOF) return;
      HM_CHECK(got >= 0, path, ": decoding failed at frame ", next, " (", AvError(got), ")");
      HM_CHECK(frame->width >= 1 && frame->height >= 1 && frame->width <= kMaxSide &&
                   frame->height <= kMaxSide,
               path, ": unsupported frame size ", frame->width, "x", frame->height);
      auto [lo, hi] = wanted.equal_range(next);
      if (lo != hi) {
        Image image = ToRgb(frame.get(), sws, path.c_str());
        for (auto it = lo; it != hi; ++it) frames.images[it->second] = image;
      }
      av_frame_unref(frame.get());
      ++next;
    }
  };
  bool flushed = false;
  while (next <= last_wanted) {
    if (av_read_frame(format.get(), packet.get()) < 0) {
      if (flushed) break;
      avcodec_send_packet(decoder.get(), nullptr);  // end of file: flush buffered frames
      flushed = true;
      drain();
      break;
    }
    if (packet->stream_index == stream_index) {
      rc = avcodec_send_packet(decoder.get(), packet.get());
      av_packet_unref(packet.get());
      // A damaged packet is skipped like players do; missing frames are caught below.
      if (rc >= 0 || rc == AVERROR(EAGAIN) || rc == AVERROR_INVALIDDATA) drain();
      else HM_CHECK(false, path, ": decoding failed (", AvError(rc), ")");
    } else {
      av_packet_unref(packet.get());
    }
  }
  HM_CHECK(next > last_wanted, path, ": only ", next, " of ", total,
           " frames could be decoded; frame ", last_wanted, " was requested");
  return frames;
}

}  // namespace hm
