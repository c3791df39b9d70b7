#include "data/mix.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "data/data_file.h"
#include "data/random.h"
#include "data/training_record.h"

namespace hm {
namespace {

using Json = nlohmann::json;

template <typename T>
void Shuffle(std::vector<T>& v, Rng& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.Next() % i]);
}

// Shares of `total` proportional to the weights, rounded down, the remainder going to the
// largest fractional parts (ties to the earlier source).
std::vector<int64_t> Shares(const std::vector<MixSource>& sources, int64_t total) {
  double sum = 0;
  for (const MixSource& s : sources) sum += s.weight;
  std::vector<int64_t> out;
  std::vector<std::pair<double, size_t>> fractions;
  int64_t given = 0;
  for (size_t i = 0; i < sources.size(); ++i) {
    const double exact = static_cast<double>(total) * sources[i].weight / sum;
    out.push_back(static_cast<int64_t>(std::floor(exact)));
    given += out.back();
    fractions.push_back({exact - std::floor(exact), i});
  }
  std::stable_sort(fractions.begin(), fractions.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t k = 0; given < total; ++k, ++given) ++out[fractions[k % fractions.size()].second];
  return out;
}

}  // namespace

MixSource ParseMixSource(const std::string& spec) {
  MixSource s;
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t pos; (pos = spec.find(':', start)) != std::string::npos; start = pos + 1) parts.push_back(spec.substr(start, pos - start));
  parts.push_back(spec.substr(start));
  HM_CHECK(parts.size() == 2 || parts.size() == 3, "--source '", spec, "': expected PATH:WEIGHT or PATH:WEIGHT:CAP");
  s.path = parts[0];
  try {
    size_t used = 0;
    s.weight = std::stod(parts[1], &used);
    HM_CHECK(used == parts[1].size(), "");
    if (parts.size() == 3) {
      s.cap = std::stoll(parts[2], &used);
      HM_CHECK(used == parts[2].size(), "");
    }
  } catch (const std::exception&) {
    Fail("--source '", spec, "': weight and cap must be numbers");
  }
  HM_CHECK(std::isfinite(s.weight) && s.weight > 0, "--source '", spec, "': weight must be positive");
  HM_CHECK(!s.cap || *s.cap >= 1, "--source '", spec, "': cap must be at least 1");
  s.name = std::filesystem::path(s.path).stem().string();
  return s;
}

std::vector<MixReport> MixData(const MixOptions& o) {
  HM_CHECK(!o.sources.empty(), "mix: give at least one --source");
  HM_CHECK(o.total >= 1, "mix: --total must be at least 1");
  HM_CHECK(!o.out.empty(), "mix: --out is required");
  for (const auto& [modality, factor] : o.upsample) {
    HM_CHECK(std::isfinite(factor) && factor >= 1 && factor <= 1000, "mix: upsampling factor for ", modality,
             " must be 1..1000, got ", factor);
  }
  namespace fs = std::filesystem;
  const fs::path out_path(o.out);
  const std::string out_root = out_path.has_parent_path() ? out_path.parent_path().string() : ".";
  fs::create_directories(out_root);
  const std::vector<int64_t> shares = Shares(o.sources, o.total);

  std::vector<MixReport> reports;
  std::vector<Json> mixture;
  for (size_t i = 0; i < o.sources.size(); ++i) {
    const MixSource& src = o.sources[i];
    Rng rng = Rng::For(o.seed, i);
    std::vector<Json> records;
    ForEachRecord(src.path, [&](const FileRecord& r) {
      if (r.error.empty()) records.push_back(r.record);
    });
    MixReport rep;
    rep.name = src.name;
    rep.available = static_cast<int64_t>(records.size());
    HM_CHECK(!records.empty(), src.path, ": no records to mix");
    Shuffle(records, rng);
    if (src.cap && static_cast<int64_t>(records.size()) > *src.cap) records.resize(static_cast<size_t>(*src.cap));
    std::vector<const Json*> pool;
    for (const Json& r : records) {
      const auto it = o.upsample.find(RecordModality(r));
      const double f = it == o.upsample.end() ? 1.0 : it->second;
      const int copies = static_cast<int>(std::floor(f)) + (rng.Uniform() < f - std::floor(f) ? 1 : 0);
      for (int c = 0; c < copies; ++c) pool.push_back(&r);
    }
    Shuffle(pool, rng);
    rep.pool = static_cast<int64_t>(pool.size());
    rep.drawn = shares[i];
    rep.repeated = std::max<int64_t>(0, rep.drawn - rep.pool);
    for (int64_t k = 0; k < rep.drawn; ++k) {
      Json r = *pool[static_cast<size_t>(k) % pool.size()];
      RebaseMediaPaths(r, MediaRootOf(src.path), out_root);
      if (r.is_object() && !r.contains("source")) r["source"] = src.name;
      mixture.push_back(std::move(r));
    }
    reports.push_back(rep);
  }
  Rng rng = Rng::For(o.seed, o.sources.size());
  Shuffle(mixture, rng);
  std::ofstream out(o.out, std::ios::binary | std::ios::trunc);
  HM_CHECK(out, o.out, ": cannot create");
  for (const Json& r : mixture) out << r.dump() << '\n';
  out.close();
  HM_CHECK(out, o.out, ": write failed");
  return reports;
}

}  // namespace hm
