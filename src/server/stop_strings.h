// OpenAI's "stop": generation ends where the text first contains one of the strings, and the
// string itself is not returned. While streaming, text that could still grow into a stop
// string is held back until the next token decides.
#pragma once

#include <string>
#include <vector>

namespace hm {

class StopStrings {
 public:
  explicit StopStrings(std::vector<std::string> stops) : stops_(std::move(stops)) {}

  // Appends newly decoded text; returns the part now safe to emit. After a match, stopped()
  // is true and nothing past the match is ever returned.
  std::string Push(const std::string& text);
  // The held-back tail at the end of generation (empty after a match).
  std::string Flush();
  bool stopped() const { return stopped_; }

 private:
  std::vector<std::string> stops_;
  std::string held_;
  bool stopped_ = false;
};

}  // namespace hm
