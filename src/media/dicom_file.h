// One DICOM file as the volume loader sees it: the image attributes that decide how pixels
// become numbers, where the slice sits in space, and frame-by-frame decoding to sample values.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "media/frames.h"

namespace hm {

struct DicomImageInfo {
  int rows = 0;
  int columns = 0;
  int frames = 1;
  int samples_per_pixel = 1;
  int bits_allocated = 0;
  int bits_stored = 0;
  int high_bit = 0;
  bool is_signed = false;
  std::string photometric;  // e.g. MONOCHROME2, MONOCHROME1, RGB, YBR_FULL
  double slope = 1, intercept = 0;
  std::optional<std::array<double, 3>> position;     // ImagePositionPatient
  std::optional<std::array<double, 6>> orientation;  // ImageOrientationPatient
  std::optional<long> instance_number;
  std::optional<std::array<double, 2>> window;  // WindowWidth, WindowCenter (first values)
  std::string series_uid;
  std::string modality;   // Modality: "CT", "MR", "US", ...; empty when absent
  std::string body_part;  // BodyPartExamined: "HEAD", "CHEST", ...; empty when absent
  // Seconds between frames of a cine loop: FrameTime, else the mean of FrameTimeVector, else
  // CineRate or RecommendedDisplayFrameRate (frames per second). Unset without timing.
  std::optional<double> frame_seconds;

  bool monochrome() const { return samples_per_pixel == 1; }
};

// True when `path` is a DICOM Part 10 file ("DICM" after the 128-byte preamble).
bool IsDicomFile(const std::string& path);

class DicomFile {
 public:
  // Parses the file and checks the image attributes; throws hm::Error naming `path`.
  explicit DicomFile(const std::string& path);
  ~DicomFile();
  DicomFile(DicomFile&&) noexcept;
  DicomFile& operator=(DicomFile&&) noexcept;

  const std::string& path() const { return path_; }
  const DicomImageInfo& info() const { return info_; }

  // Decodes frame `index` (0-based) to rows * columns * samples_per_pixel stored values,
  // interleaved per pixel: masked to BitsStored, sign-extended when PixelRepresentation is 1,
  // colour already in RGB. Modality rescale is not applied (it is grayscale-only).
  std::vector<double> DecodeFrame(int index);

  // A decoded colour frame (DecodeFrame of RGB/YBR data) as an 8-bit image; deeper samples
  // keep their top 8 bits, as an 8-bit display shows them.
  Image ColorImage(const std::vector<double>& samples) const;

 private:
  // The compressed bytes of frame `index` (RLE, JPEG 2000), fragments concatenated.
  std::vector<uint8_t> EncapsulatedFrame(int index);

  struct Impl;
  std::string path_;
  DicomImageInfo info_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hm
