#include "io/json_file.h"

#include <fstream>
#include <sstream>

#include "core/error.h"

namespace hm {

namespace {

template <typename Json>
Json ParseFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HM_CHECK(in, path, ": cannot open");
  std::stringstream buffer;
  buffer << in.rdbuf();
  try {
    return Json::parse(buffer.str());
  } catch (const nlohmann::json::parse_error& e) {
    Fail(path, ": invalid JSON at byte ", e.byte);
  }
}

}  // namespace

nlohmann::json ReadJsonFile(const std::string& path) { return ParseFile<nlohmann::json>(path); }

nlohmann::ordered_json ReadOrderedJsonFile(const std::string& path) { return ParseFile<nlohmann::ordered_json>(path); }

}  // namespace hm
