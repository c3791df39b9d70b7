// CSV as Python's csv.reader reads it with the default (excel) dialect: comma separated,
// fields optionally in double quotes, "" inside quotes is a quote, quoted fields may span lines.
#pragma once

#include <string>
#include <vector>

namespace hm::eval {

std::vector<std::vector<std::string>> ParseCsv(const std::string& text);
// `path` may be gzip-compressed (a name ending in .gz), as PhysioNet publishes its tables.
std::vector<std::vector<std::string>> ReadCsvFile(const std::string& path);

// A CSV file with a header row, its fields looked up by column name.
class CsvTable {
 public:
  explicit CsvTable(const std::string& path);  // ReadCsvFile's terms; an empty file is an error
  size_t rows() const { return rows_.size(); }
  // The field of data row `row` (0 = the first after the header) in column `name`; an
  // hm::Error naming the file and row for a missing column or a short row.
  const std::string& at(size_t row, const std::string& name) const;
  bool has(const std::string& name) const;
  // "FILE row N" for errors about data row `row` (N counts the header as row 1).
  std::string where(size_t row) const;

 private:
  std::string path_;
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace hm::eval
