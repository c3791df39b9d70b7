#include "media/preprocessor_config.h"

#include <cmath>

#include "core/error.h"
#include "io/json_file.h"

namespace hm {
namespace {

int64_t GetInt(const nlohmann::json& j, const char* key, int64_t fallback, int64_t lo, int64_t hi,
               const std::string& what) {
  if (!j.contains(key)) return fallback;
  const auto& v = j[key];
  HM_CHECK(v.is_number_integer(), what, ": ", key, " must be an integer");
  const int64_t x = v.get<int64_t>();
  HM_CHECK(x >= lo && x <= hi, what, ": ", key, " = ", x, " is outside [", lo, ", ", hi, "]");
  return x;
}

bool GetBool(const nlohmann::json& j, const char* key, bool fallback, const std::string& what) {
  if (!j.contains(key)) return fallback;
  HM_CHECK(j[key].is_boolean(), what, ": ", key, " must be true or false");
  return j[key].get<bool>();
}

// A per-channel triple, or one number for all channels (both are accepted by the processor).
std::array<double, 3> GetTriple(const nlohmann::json& j, const char* key,
                                const std::array<double, 3>& fallback, bool positive,
                                const std::string& what) {
  if (!j.contains(key)) return fallback;
  const auto& v = j[key];
  std::array<double, 3> out;
  if (v.is_number()) {
    out.fill(v.get<double>());
  } else {
    HM_CHECK(v.is_array() && v.size() == 3, what, ": ", key, " must be a number or 3 numbers");
    for (int c = 0; c < 3; ++c) {
      HM_CHECK(v[c].is_number(), what, ": ", key, "[", c, "] must be a number");
      out[c] = v[c].get<double>();
    }
  }
  for (double x : out)
    HM_CHECK(std::isfinite(x) && (!positive || x > 0), what, ": ", key, " has an invalid value ",
             x);
  return out;
}

}  // namespace

PreprocessorConfig ParsePreprocessorConfig(const nlohmann::json& j, const std::string& what) {
  HM_CHECK(j.is_object(), what, ": must be a JSON object");
  PreprocessorConfig c;
  c.patch_size = static_cast<int>(GetInt(j, "patch_size", c.patch_size, 1, 1024, what));
  c.min_tokens = GetInt(j, "min_tokens", c.min_tokens, 0, int64_t{1} << 24, what);
  c.max_tokens = GetInt(j, "max_tokens", c.max_tokens, 1, int64_t{1} << 24, what);
  c.image_mean = GetTriple(j, "image_mean", c.image_mean, false, what);
  c.image_std = GetTriple(j, "image_std", c.image_std, true, what);
  if (j.contains("rescale_factor")) {
    HM_CHECK(j["rescale_factor"].is_number(), what, ": rescale_factor must be a number");
    c.rescale_factor = j["rescale_factor"].get<double>();
    HM_CHECK(std::isfinite(c.rescale_factor), what, ": rescale_factor must be finite");
  }
  c.do_rescale = GetBool(j, "do_rescale", c.do_rescale, what);
  c.do_normalize = GetBool(j, "do_normalize", c.do_normalize, what);
  HM_CHECK(GetBool(j, "do_resize", true, what), what,
           ": do_resize false is not supported (patch grids need resized frames)");
  HM_CHECK(GetInt(j, "resample", 3, 0, 5, what) == 3, what,
           ": only resample = 3 (bicubic) is supported");
  return c;
}

PreprocessorConfig ReadPreprocessorConfig(const std::string& checkpoint_dir) {
  const std::string path = checkpoint_dir + "/preprocessor_config.json";
  return ParsePreprocessorConfig(ReadJsonFile(path), path);
}

}  // namespace hm
