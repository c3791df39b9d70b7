// Any byte string is either a valid safetensors header or an hm::Error; never a crash,
// hang or out-of-bounds read. Accepted headers must describe tensors inside the buffer.
#include <cstdint>
#include <cstdlib>

#include "core/error.h"
#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const hm::SafetensorsHeader h = hm::ParseSafetensorsHeader({data, size}, "fuzz");
    for (const hm::SafetensorsEntry& e : h.tensors)
      if (h.data_start + e.end > size) std::abort();
  } catch (const hm::Error&) {
  }
  return 0;
}
