#include "data/video_writer.h"
#include "media/ffmpeg_ptr.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
}

#include <memory>

#include "core/error.h"

namespace hm {
namespace {

struct OutputCloser {
  void operator()(AVFormatContext* f) const {
    if (f->pb) avio_closep(&f->pb);
    avformat_free_context(f);
  }
};

std::string AvError(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, buf, sizeof(buf));
  return buf;
}

// Sends `frame` (nullptr flushes) and writes every packet the encoder returns.
void Encode(AVCodecContext* codec, AVFormatContext* format, AVStream* stream, AVFrame* frame,
            AVPacket* packet, const std::string& path) {
  int rc = avcodec_send_frame(codec, frame);
  HM_CHECK(rc >= 0, path, ": encoder refused a frame (", AvError(rc), ")");
  while ((rc = avcodec_receive_packet(codec, packet)) >= 0) {
    // One frame long: without a duration the mp4 edit list cuts the last frame off.
    if (packet->duration == 0) packet->duration = 1;
    av_packet_rescale_ts(packet, codec->time_base, stream->time_base);
    packet->stream_index = stream->index;
    rc = av_interleaved_write_frame(format, packet);
    HM_CHECK(rc >= 0, path, ": cannot write a packet (", AvError(rc), ")");
  }
  HM_CHECK(rc == AVERROR(EAGAIN) || rc == AVERROR_EOF, path, ": encoding failed (", AvError(rc), ")");
}

}  // namespace

void WriteVideo(const std::string& path, const std::vector<Image>& frames, int fps) {
  HM_CHECK(!frames.empty() && fps >= 1, path, ": need at least one frame and fps >= 1");
  const int w = frames[0].width, h = frames[0].height;
  HM_CHECK(w >= 2 && h >= 2 && w % 2 == 0 && h % 2 == 0, path, ": frame size ", w, "x", h, " must be even");
  for (const Image& f : frames) {
    HM_CHECK(f.width == w && f.height == h && f.rgb.size() == size_t(w) * h * 3, path, ": frames differ in size");
  }
  AVFormatContext* raw = nullptr;
  int rc = avformat_alloc_output_context2(&raw, nullptr, "mp4", path.c_str());
  HM_CHECK(rc >= 0 && raw, path, ": cannot set up the mp4 muxer (", AvError(rc), ")");
  std::unique_ptr<AVFormatContext, OutputCloser> format(raw);
  format->flags |= AVFMT_FLAG_BITEXACT;  // no encoder version strings in the container
  const AVCodec* encoder = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
  HM_CHECK(encoder, path, ": FFmpeg has no MPEG-4 encoder");
  std::unique_ptr<AVCodecContext, CodecFreer> codec(avcodec_alloc_context3(encoder));
  codec->width = w;
  codec->height = h;
  codec->pix_fmt = AV_PIX_FMT_YUV420P;
  codec->time_base = AVRational{1, fps};
  codec->framerate = AVRational{fps, 1};
  codec->gop_size = 12;
  codec->thread_count = 1;
  codec->flags |= AV_CODEC_FLAG_BITEXACT | AV_CODEC_FLAG_QSCALE;
  codec->global_quality = FF_QP2LAMBDA * 3;  // high quality: phantoms are small and detailed
  if (format->oformat->flags & AVFMT_GLOBALHEADER) codec->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  rc = avcodec_open2(codec.get(), encoder, nullptr);
  HM_CHECK(rc >= 0, path, ": cannot open the MPEG-4 encoder (", AvError(rc), ")");
  AVStream* stream = avformat_new_stream(format.get(), nullptr);
  HM_CHECK(stream, path, ": cannot add a video stream");
  stream->time_base = codec->time_base;
  rc = avcodec_parameters_from_context(stream->codecpar, codec.get());
  HM_CHECK(rc >= 0, path, ": cannot copy codec parameters");
  rc = avio_open(&format->pb, path.c_str(), AVIO_FLAG_WRITE);
  HM_CHECK(rc >= 0, path, ": cannot create file (", AvError(rc), ")");
  AVDictionary* options = nullptr;
  av_dict_set(&options, "fflags", "bitexact", 0);
  rc = avformat_write_header(format.get(), &options);
  av_dict_free(&options);
  HM_CHECK(rc >= 0, path, ": cannot write the mp4 header (", AvError(rc), ")");

  std::unique_ptr<SwsContext, SwsFreer> sws(sws_getContext(w, h, AV_PIX_FMT_RGB24, w, h, AV_PIX_FMT_YUV420P,
                                                           SWS_BICUBIC | SWS_ACCURATE_RND | SWS_BITEXACT,
                                                           nullptr, nullptr, nullptr));
  HM_CHECK(sws, path, ": cannot set up RGB to YUV conversion");
  std::unique_ptr<AVFrame, FrameFreer> frame(av_frame_alloc());
  frame->format = AV_PIX_FMT_YUV420P;
  frame->width = w;
  frame->height = h;
  HM_CHECK(av_frame_get_buffer(frame.get(), 0) >= 0, path, ": out of memory");
  std::unique_ptr<AVPacket, PacketFreer> packet(av_packet_alloc());
  for (size_t i = 0; i < frames.size(); ++i) {
    HM_CHECK(av_frame_make_writable(frame.get()) >= 0, path, ": out of memory");
    const uint8_t* src[1] = {frames[i].rgb.data()};
    const int stride[1] = {w * 3};
    sws_scale(sws.get(), src, stride, 0, h, frame->data, frame->linesize);
    frame->pts = static_cast<int64_t>(i);
    Encode(codec.get(), format.get(), stream, frame.get(), packet.get(), path);
  }
  Encode(codec.get(), format.get(), stream, nullptr, packet.get(), path);
  rc = av_write_trailer(format.get());
  HM_CHECK(rc >= 0, path, ": cannot finish the mp4 file (", AvError(rc), ")");
}

}  // namespace hm
