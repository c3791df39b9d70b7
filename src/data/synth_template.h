// Prompt templates for `hulumed data synth`: text files with {{name}} slots, shipped in
// data/synth-templates. A template is known by its name and a hash of its bytes, which every
// generated record carries, so a changed prompt is visible in the output's provenance.
#pragma once

#include <map>
#include <string>

namespace hm {

struct SynthTemplate {
  std::string name;  // file name without .txt
  std::string text;
  std::string hash;  // 16 hex digits of the content hash of `text`
};

// Reads DIR/NAME.txt; throws hm::Error naming the file when it is missing or empty.
SynthTemplate LoadSynthTemplate(const std::string& dir, const std::string& name);

// `text` with every {{slot}} replaced by its value; throws hm::Error naming the template and
// the slot when a slot has no value or a {{ is not closed.
std::string RenderTemplate(const SynthTemplate& t, const std::map<std::string, std::string>& values);

// Where the shipped templates live (the source tree's data/synth-templates).
std::string DefaultSynthTemplateDir();

}  // namespace hm
