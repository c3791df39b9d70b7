#include "server/api_error.h"

#include <nlohmann/json.hpp>

namespace hm {

ErrorStatus StatusOf(const std::exception& e) {
  if (const auto* api = dynamic_cast<const ApiError*>(&e)) return {api->status(), api->type()};
  const auto* error = dynamic_cast<const Error*>(&e);
  if (error && error->kind() == ErrorKind::kInput) return {400, "invalid_request_error"};
  return {500, "server_error"};
}

std::string ErrorBody(const std::string& message, const std::string& type) {
  const nlohmann::json body = {{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}}}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace hm
