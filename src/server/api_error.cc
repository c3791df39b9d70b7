#include "server/api_error.h"

#include <nlohmann/json.hpp>

namespace hm {

std::string ErrorBody(const std::string& message, const std::string& type) {
  const nlohmann::json body = {{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}}}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace hm
