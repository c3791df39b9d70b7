#include "data/dedup.h"

#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "data/content_hash.h"
#include "data/data_file.h"
#include "data/image_hash.h"
#include "data/record_media.h"
#include "data/training_record.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

struct MediaPrint {
  unsigned __int128 content = 0;
  uint64_t dhash = 0;
};

// Fingerprints of media files, computed once per path: the bytes of the file (or of every file
// in a folder, names included) and the dHash of the middle frame as the model would see it.
class MediaPrints {
 public:
  const MediaPrint& Get(const RecordMedia& m) {
    const std::string key = m.path + "|" + std::to_string(m.slices.value_or(-1)) + "|" + m.axis + "|" + m.window;
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    MediaPrint p;
    ContentHash h;
    std::vector<fs::path> files;
    if (fs::is_directory(m.path)) {
      for (const auto& e : fs::directory_iterator(m.path)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(m.path);
    }
    for (const fs::path& f : files) {
      std::ifstream in(f, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      h.AddField(f.filename().string());
      h.AddField(ss.str());
    }
    p.content = h.Value();
    const Frames frames = LoadRecordMedia(m);  // throws for missing or undecodable media
    HM_CHECK(!frames.images.empty(), m.path, ": no frames");
    p.dhash = DifferenceHash(frames.images[frames.images.size() / 2]);
    return cache_.emplace(key, p).first->second;
  }

 private:
  std::map<std::string, MediaPrint> cache_;
};

// Image hashes indexed by each of their 8 bytes: two hashes within distance 7 share at least
// one byte, so candidates come from 8 lookups instead of a scan.
class HashIndex {
 public:
  void Add(uint64_t hash, const std::string& where) {
    const size_t id = entries_.size();
    entries_.push_back({hash, where});
    for (int b = 0; b < 8; ++b) buckets_[b][(hash >> (8 * b)) & 0xff].push_back(id);
  }
  // The first entry within max_distance of `hash`, or nullptr.
  const std::pair<uint64_t, std::string>* Near(uint64_t hash, int max_distance) const {
    for (int b = 0; b < 8; ++b) {
      for (size_t id : buckets_[b][(hash >> (8 * b)) & 0xff]) {
        if (HashDistance(entries_[id].first, hash) <= max_distance) return &entries_[id];
      }
    }
    return nullptr;
  }

 private:
  std::vector<std::pair<uint64_t, std::string>> entries_;
  std::array<std::array<std::vector<size_t>, 256>, 8> buckets_;
};

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> out;
  std::string word;
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c >= 0x80) {
      word += static_cast<char>(std::tolower(c));
    } else if (!word.empty()) {
      out.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) out.push_back(word);
  return out;
}

std::string AllText(const TrainingRecord& r) {
  std::string text;
  for (const RecordTurn& t : r.turns) text += t.value + "\n";
  return text;
}

// Calls fn(hash, first word index) for every n-gram of the words.
template <typename Fn>
void ForEachNgram(const std::vector<std::string>& words, int n, Fn fn) {
  for (size_t i = 0; i + n <= words.size(); ++i) {
    ContentHash h;
    for (int k = 0; k < n; ++k) h.AddField(words[i + k]);
    fn(static_cast<uint64_t>(h.Value()), i);
  }
}

struct Parsed {
  TrainingRecord record;
  std::vector<MediaPrint> media;
};

// Parses the record and fingerprints its media; throws hm::Error with the reason.
Parsed Fingerprint(const Json& j, const std::string& root, MediaPrints& prints) {
  Parsed p{ParseTrainingRecord(j, root), {}};
  for (const RecordMedia& m : p.record.media) p.media.push_back(prints.Get(m));
  return p;
}

}  // namespace

DedupSummary Dedup(const DedupOptions& o) {
  HM_CHECK(!o.files.empty(), "dedup: no data files");
  HM_CHECK(!o.out.empty(), "dedup: --out is required");
  HM_CHECK(o.max_hash_distance >= 0 && o.max_hash_distance <= 7, "dedup: --max-distance must be 0..7");
  HM_CHECK(o.ngram >= 1, "dedup: --ngram must be at least 1");
  const std::string dropped_path = o.dropped.empty() ? fs::path(o.out).replace_extension(".dropped.jsonl").string() : o.dropped;
  const std::string out_root = fs::path(o.out).has_parent_path() ? fs::path(o.out).parent_path().string() : ".";
  fs::create_directories(out_root);
  MediaPrints prints;

  // The evaluation sets: their images and their text n-grams.
  HashIndex eval_images;
  std::unordered_map<uint64_t, std::string> eval_ngrams;  // n-gram -> first eval record holding it
  for (const std::string& file : o.eval_files) {
    ForEachRecord(file, [&](const FileRecord& fr) {
      if (!fr.error.empty()) return;
      try {
        const Parsed p = Fingerprint(fr.record, MediaRootOf(file), prints);
        for (const MediaPrint& m : p.media) eval_images.Add(m.dhash, fr.where);
        ForEachNgram(Words(AllText(p.record)), o.ngram, [&](uint64_t h, size_t) { eval_ngrams.emplace(h, fr.where); });
      } catch (const std::exception&) {
        // An eval record we cannot read cannot leak either; validate reports it.
      }
    });
  }

  std::ofstream out(o.out, std::ios::binary | std::ios::trunc), dropped(dropped_path, std::ios::binary | std::ios::trunc);
  HM_CHECK(out && dropped, o.out, ": cannot create the output files");
  DedupSummary s;
  std::map<unsigned __int128, std::string> exact;  // record hash -> where it was kept
  // Near duplicates: per text hash, the kept records' image hashes.
  std::map<unsigned __int128, std::vector<std::pair<std::vector<uint64_t>, std::string>>> by_text;
  for (const std::string& file : o.files) {
    const std::string root = MediaRootOf(file);
    ForEachRecord(file, [&](const FileRecord& fr) {
      ++s.records;
      auto drop = [&](int64_t& counter, const std::string& reason) {
        ++counter;
        Json d = {{"where", fr.where}, {"reason", reason}};
        if (fr.error.empty()) d["record"] = fr.record;
        dropped << d.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
      };
      if (!fr.error.empty()) return drop(s.unreadable, fr.error);
      Parsed p;
      try {
        p = Fingerprint(fr.record, root, prints);
      } catch (const std::exception& e) {
        return drop(s.unreadable, e.what());
      }
      const std::string text = AllText(p.record);
      ContentHash text_hash;
      for (const RecordTurn& t : p.record.turns) {
        text_hash.AddField(t.from);
        text_hash.AddField(t.value);
      }
      ContentHash record_hash = text_hash;
      std::vector<uint64_t> dhashes;
      for (const MediaPrint& m : p.media) {
        const auto c = m.content;
        record_hash.Add(std::string_view(reinterpret_cast<const char*>(&c), sizeof c));
        dhashes.push_back(m.dhash);
      }
      if (auto it = exact.find(record_hash.Value()); it != exact.end()) {
        return drop(s.exact, "exact duplicate of " + it->second);
      }
      for (const auto& [hashes, where] : by_text[text_hash.Value()]) {
        bool near = hashes.size() == dhashes.size() && !dhashes.empty();
        int worst = 0;
        for (size_t i = 0; near && i < hashes.size(); ++i) {
          worst = std::max(worst, HashDistance(hashes[i], dhashes[i]));
          near = worst <= o.max_hash_distance;
        }
        if (near) return drop(s.near, "near duplicate of " + where + " (same text, image hash distance " + std::to_string(worst) + ")");
      }
      for (size_t i = 0; i < dhashes.size(); ++i) {
        if (const auto* hit = eval_images.Near(dhashes[i], o.max_hash_distance)) {
          return drop(s.eval_image, p.record.media[i].field + " matches an image of eval record " + hit->second +
                                        " (hash distance " + std::to_string(HashDistance(hit->first, dhashes[i])) + ")");
        }
      }
      const std::vector<std::string> words = Words(text);
      std::string leak;
      ForEachNgram(words, o.ngram, [&](uint64_t h, size_t at) {
        if (!leak.empty()) return;
        auto it = eval_ngrams.find(h);
        if (it == eval_ngrams.end()) return;
        leak = std::to_string(o.ngram) + "-gram shared with eval record " + it->second + ": \"";
        for (int k = 0; k < o.ngram; ++k) leak += (k ? " " : "") + words[at + k];
        leak += "\"";
      });
      if (!leak.empty()) return drop(s.eval_text, leak);

      exact.emplace(record_hash.Value(), fr.where);
      by_text[text_hash.Value()].push_back({dhashes, fr.where});
      Json kept = fr.record;
      RebaseMediaPaths(kept, root, out_root);
      out << kept.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
      ++s.kept;
    });
  }
  out.close();
  dropped.close();
  HM_CHECK(out && dropped, o.out, ": write failed");
  return s;
}

}  // namespace hm
