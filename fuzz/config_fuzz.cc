// config.json and generation-config-like input: any bytes either parse into a validated
// ModelConfig or raise hm::Error.
#include <cstdint>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const nlohmann::json j = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  try {
    hm::ParseModelConfig(j, "fuzz");
  } catch (const hm::Error&) {
  }
  return 0;
}
