#include "media/dicom_cine.h"

#include <cmath>

#include "core/error.h"
#include "media/dicom_file.h"
#include "media/dicom_window.h"

namespace hm {

Frames LoadDicomCine(const std::string& path, const VideoOptions& options) {
  DicomFile file(path);
  const DicomImageInfo& in = file.info();
  HM_CHECK(in.frame_seconds.has_value(), path,
           ": a DICOM video needs frame timing (FrameTime, FrameTimeVector, CineRate or "
           "RecommendedDisplayFrameRate); pass it as --dicom to read its frames as a volume");
  std::vector<int64_t> indices;
  try {
    indices = SampleVideoFrames(in.frames, 1 / *in.frame_seconds, options);
  } catch (const Error& e) {
    Fail(path, ": ", e.what());
  }
  // Grayscale without a window: the stored range [lo, lo + 2^bits - 1] spans 0..255.
  const double range = std::ldexp(1.0, in.bits_stored) - 1;
  const double lo = in.is_signed ? -std::ldexp(1.0, in.bits_stored - 1) : 0;
  const bool invert = in.photometric == "MONOCHROME1";
  const bool use_window = in.window && (*in.window)[0] >= 1;
  Frames frames;
  frames.from_pil = false;
  frames.merge_size = 2;
  for (int64_t index : indices) {
    const std::vector<double> samples = file.DecodeFrame(static_cast<int>(index));
    frames.timestamps.push_back(static_cast<double>(index) * *in.frame_seconds);
    if (!in.monochrome()) {
      frames.images.push_back(file.ColorImage(samples));
      continue;
    }
    Image image;
    image.width = in.columns;
    image.height = in.rows;
    image.rgb.reserve(samples.size() * 3);
    for (double v : samples) {
      uint8_t g = use_window ? ApplyDicomWindow(v * in.slope + in.intercept,
                                               DicomWindow{(*in.window)[0], (*in.window)[1]})
                            : static_cast<uint8_t>(std::lround((v - lo) / range * 255));
      if (invert) g = static_cast<uint8_t>(255 - g);
      image.rgb.insert(image.rgb.end(), 3, g);
    }
    frames.images.push_back(std::move(image));
  }
  return frames;
}

}  // namespace hm
