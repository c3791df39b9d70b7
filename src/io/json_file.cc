#include "io/json_file.h"

#include <fstream>
#include <sstream>

#include "core/error.h"

namespace hm {

nlohmann::json ReadJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HM_CHECK(in, path, ": cannot open");
  std::stringstream buffer;
  buffer << in.rdbuf();
  try {
    return nlohmann::json::parse(buffer.str());
  } catch (const nlohmann::json::parse_error& e) {
    Fail(path, ": invalid JSON at byte ", e.byte);
  }
}

}  // namespace hm
