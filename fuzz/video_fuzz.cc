// Video bytes from users: container probing (limited to the allowed demuxers), frame counting,
// decoding and RGB conversion. LoadVideo reads a path, so each input goes through a file in
// memory-backed /dev/shm.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "core/error.h"
#include "media/video.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/dev/shm/hm_video_fuzz_" + std::to_string(getpid());
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                 static_cast<std::streamsize>(size));
  hm::VideoOptions options;
  options.max_frames = 4;  // enough to exercise sampling without decoding whole fuzzed streams
  try {
    hm::LoadVideo(path, options);
  } catch (const hm::Error&) {
  }
  return 0;
}
