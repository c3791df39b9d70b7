// Video output of generated frames through FFmpeg: MPEG-4 part 2 in an .mp4 container, coded
// bit-exactly on one thread so that the same frames always give the same bytes.
#pragma once

#include <string>
#include <vector>

#include "media/frames.h"

namespace hm {

// Frames must share one even width and height. `fps` is the frame rate (>= 1).
void WriteVideo(const std::string& path, const std::vector<Image>& frames, int fps);

}  // namespace hm
