#include "apps/default_model.h"

#include <cstdlib>
#include <filesystem>

#include "core/error.h"

namespace hm {

std::string ModelDirOrDefault(const std::string& model_dir) {
  if (!model_dir.empty()) return model_dir;
  const char* env = std::getenv("HULUMED_MODEL");
  const std::string dir = env && *env ? env : HULUMED_DEFAULT_MODEL;
  HM_CHECK(std::filesystem::is_regular_file(std::filesystem::path(dir) / "config.json"), "no -m given and no model at ",
           dir, (env && *env ? " (HULUMED_MODEL)" : " (the shipped demo model; scripts/train-demo.sh trains it)"),
           ": pass -m MODEL_DIR");
  return dir;
}

}  // namespace hm
