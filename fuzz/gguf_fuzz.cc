// Any byte string is either a valid GGUF file or an hm::Error; never a crash, hang or
// out-of-bounds read. Accepted files must describe tensors inside the buffer.
#include <cstdint>
#include <cstdlib>

#include "core/error.h"
#include "io/gguf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const hm::GgufHeader h = hm::ParseGguf({data, size}, "fuzz");
    for (const hm::GgufTensorInfo& t : h.tensors)
      if (t.offset > size || t.nbytes > size - t.offset) std::abort();
  } catch (const hm::Error&) {
  }
  return 0;
}
