// Template source to syntax tree. Whitespace handling is the one transformers configures
// (trim_blocks and lstrip_blocks on, a single trailing newline dropped, {%- -%} honoured).
#pragma once

#include <string>

#include "text/jinja_ast.h"

namespace hm::jinja {

// Throws hm::Error naming the construct for anything outside the supported subset.
Body ParseTemplate(const std::string& source);

}  // namespace hm::jinja
