#include "data/synth_template.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "data/content_hash.h"

namespace hm {

SynthTemplate LoadSynthTemplate(const std::string& dir, const std::string& name) {
  const std::string path = (std::filesystem::path(dir) / (name + ".txt")).string();
  std::ifstream in(path, std::ios::binary);
  HM_CHECK(in, path, ": cannot read the prompt template '", name, "' (--templates DIR holds NAME.txt files)");
  std::stringstream buffer;
  buffer << in.rdbuf();
  SynthTemplate t{name, buffer.str(), ""};
  HM_CHECK(!t.text.empty(), path, ": the template is empty");
  ContentHash hash;
  hash.Add(t.text);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash.Value() >> 64));
  t.hash = hex;
  return t;
}

std::string RenderTemplate(const SynthTemplate& t, const std::map<std::string, std::string>& values) {
  std::string out;
  size_t pos = 0;
  for (;;) {
    const size_t open = t.text.find("{{", pos);
    if (open == std::string::npos) break;
    const size_t close = t.text.find("}}", open + 2);
    HM_CHECK(close != std::string::npos, "template '", t.name, "': '{{' at byte ", open, " is not closed");
    const std::string slot = t.text.substr(open + 2, close - open - 2);
    const auto it = values.find(slot);
    HM_CHECK(it != values.end(), "template '", t.name, "': no value for {{", slot, "}}");
    out += t.text.substr(pos, open - pos);
    out += it->second;
    pos = close + 2;
  }
  return out + t.text.substr(pos);
}

std::string DefaultSynthTemplateDir() { return HULUMED_SOURCE_DIR "/data/synth-templates"; }

}  // namespace hm
