// `hulumed data validate`: every record of every file checked (record_check.h); each bad
// record printed as "FILE:LINE: reason; reason" so an editor can jump to it.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "data/record_check.h"

namespace hm {

struct ValidateSummary {
  int64_t records = 0;
  int64_t bad = 0;
};

// media_root empty: each file's own folder. Throws hm::Error only for unreadable files.
ValidateSummary ValidateFiles(const std::vector<std::string>& files, const CheckOptions& options,
                              const std::string& media_root, std::ostream& out);

}  // namespace hm
