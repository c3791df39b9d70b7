#include "data/validate.h"

#include "data/data_file.h"

namespace hm {

ValidateSummary ValidateFiles(const std::vector<std::string>& files, const CheckOptions& options,
                              const std::string& media_root, std::ostream& out) {
  RecordChecker checker(options);
  ValidateSummary summary;
  for (const std::string& file : files) {
    const std::string root = media_root.empty() ? MediaRootOf(file) : media_root;
    ForEachRecord(file, [&](const FileRecord& r) {
      ++summary.records;
      std::vector<std::string> problems;
      if (!r.error.empty()) {
        problems.push_back(r.error);
      } else {
        problems = checker.Check(r.record, root).problems;
      }
      if (problems.empty()) return;
      ++summary.bad;
      out << r.where << ": ";
      for (size_t i = 0; i < problems.size(); ++i) out << (i ? "; " : "") << problems[i];
      out << '\n';
    });
  }
  return summary;
}

}  // namespace hm
