// Multi-frame DICOM cine loops (ultrasound clips, XA/XRF angiography runs, endoscopy) read as
// video: frames are sampled in time exactly like a video file (video.h), so `run --video
// loop.dcm` and a server video_url part holding a DICOM file go down the video path.
#pragma once

#include <string>

#include "media/frames.h"
#include "media/video.h"

namespace hm {

// Loads the frames of a multi-frame DICOM file as a video. The frame rate comes from the
// file's timing (FrameTime, FrameTimeVector, CineRate, RecommendedDisplayFrameRate); a file
// without timing is refused (read it with LoadDicom as a volume). Grayscale frames map the
// file's own window (WindowCenter/Width, on rescaled values) to 0..255, or without one the
// whole stored range (0..2^BitsStored - 1, or its signed counterpart), so every frame shares
// one contrast; MONOCHROME1 is inverted. Colour frames keep their top 8 bits.
// Result as LoadVideo's: from_pil false, merge size 2, timestamps index * frame time.
Frames LoadDicomCine(const std::string& path, const VideoOptions& options = {});

}  // namespace hm
