// Whole files for the data tools: bytes in and out, errors naming the path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hm {

// Writes `bytes` to `path`, replacing it; throws hm::Error naming the path on failure.
void WriteFileBytes(const std::string& path, std::string_view bytes);
void WriteFileBytes(const std::string& path, const std::vector<uint8_t>& bytes);

// The bytes of `path`; throws hm::Error naming the path when it cannot be read.
std::string ReadFileBytes(const std::string& path);

// Gzip (RFC 1952) of `bytes` with a zero modification time, so output is reproducible.
std::vector<uint8_t> GzipBytes(const std::vector<uint8_t>& bytes);

}  // namespace hm
