// Reading JSON files that come from users' checkpoint directories.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace hm {

// Parses a JSON file; a missing file or bad JSON is an hm::Error naming the path (and, for
// syntax errors, the byte offset).
nlohmann::json ReadJsonFile(const std::string& path);
// The same, keeping each object's keys in the file's order.
nlohmann::ordered_json ReadOrderedJsonFile(const std::string& path);

}  // namespace hm
