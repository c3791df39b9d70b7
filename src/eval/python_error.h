// An exception the Python reference raises on an input (ValueError from rouge on an empty
// hypothesis, IndexError in the multiple-choice parser, ...). Compat scoring reports it in
// the sample's verdict as "Type: message", the way MedUniEval would have crashed on it.
#pragma once

#include <stdexcept>
#include <string>

namespace hm::eval {

class PythonError : public std::runtime_error {
 public:
  PythonError(const std::string& type, const std::string& message) : std::runtime_error(type + ": " + message) {}
};

}  // namespace hm::eval
