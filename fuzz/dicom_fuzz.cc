// DICOM bytes from users: DCMTK parsing, the attribute checks, every decoder path (RLE, JPEG,
// JPEG-LS, JPEG 2000 via OpenJPEG), rescale, windowing and slicing. DCMTK reads from files, so
// each input goes through one scratch file per process.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/error.h"
#include "media/dicom.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/hm_dicom_fuzz_" + std::to_string(getpid()) + ".dcm";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  hm::DicomOptions options;
  options.num_slices = static_cast<int>(size % 5);  // 0 = every frame
  if (size % 2) options.window = hm::DicomWindow{400, 40, false};
  options.axis = static_cast<hm::SliceAxis>(size / 5 % 3);
  try {
    hm::LoadDicom(path, options);
  } catch (const hm::Error&) {
  }
  return 0;
}
