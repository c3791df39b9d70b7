// Strict base64 (RFC 4648, standard alphabet, padding optional) for data: URIs. Anything else
// is the client's error; `what` names the field in the message.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hm {

std::vector<uint8_t> DecodeBase64(std::string_view text, const std::string& what);

// Standard alphabet with padding, for sending media as data: URIs.
std::string EncodeBase64(std::string_view bytes);

}  // namespace hm
