#include "eval/csv.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "core/error.h"
#include "io/gzip.h"

namespace hm::eval {

std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, row_has_data = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      row_has_data = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      row_has_data = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (row_has_data || !field.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
      }
      row.clear();
      field.clear();
      row_has_data = false;
    } else {
      field += c;
      row_has_data = true;
    }
  }
  if (row_has_data || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

namespace {

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// PhysioNet's tables come gzipped; a table is capped at 4 GB of text.
std::string GunzipFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HM_CHECK(in, path, ": cannot open");
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  HM_CHECK(IsGzip(bytes.data(), bytes.size()), path, ": not gzip data");
  const std::vector<uint8_t> text = Gunzip(bytes.data(), bytes.size(), size_t{4} << 30, path);
  return {text.begin(), text.end()};
}

}  // namespace

std::vector<std::vector<std::string>> ReadCsvFile(const std::string& path) {
  if (EndsWith(path, ".gz")) return ParseCsv(GunzipFile(path));
  std::ifstream in(path, std::ios::binary);
  HM_CHECK(in, path, ": cannot open");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseCsv(buffer.str());
}

CsvTable::CsvTable(const std::string& path) : path_(path), rows_(ReadCsvFile(path)) {
  HM_CHECK(!rows_.empty(), path, ": empty (expected a header row)");
  header_ = std::move(rows_.front());
  rows_.erase(rows_.begin());
}

bool CsvTable::has(const std::string& name) const {
  return std::find(header_.begin(), header_.end(), name) != header_.end();
}

std::string CsvTable::where(size_t row) const { return path_ + " row " + std::to_string(row + 2); }

const std::string& CsvTable::at(size_t row, const std::string& name) const {
  const auto column = std::find(header_.begin(), header_.end(), name);
  HM_CHECK(column != header_.end(), path_, ": no column \"", name, "\"");
  const auto k = static_cast<size_t>(column - header_.begin());
  HM_CHECK(row < rows_.size() && k < rows_[row].size(), where(row), ": no field \"", name, "\" (", rows_[row].size(),
           " fields, header has ", header_.size(), ")");
  return rows_[row][k];
}

}  // namespace hm::eval
