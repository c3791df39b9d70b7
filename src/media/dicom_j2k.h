// JPEG 2000 frames of DICOM files (transfer syntaxes 1.2.840.10008.1.2.4.90/.91), decoded with
// OpenJPEG because DCMTK has no JPEG 2000 codec.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace hm {

// Decodes one J2K codestream (or JP2 file) that must hold exactly `width` x `height` pixels
// with `samples` full-resolution components. Returns the samples interleaved per pixel
// (OpenJPEG has already undone a multi-component transform, so YBR_ICT/RCT come out RGB).
// `what` names the source in errors; any decoder complaint becomes an hm::Error.
std::vector<double> DecodeJ2kFrame(std::span<const uint8_t> codestream, int width, int height,
                                   int samples, const char* what);

}  // namespace hm
