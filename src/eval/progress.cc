#include "eval/progress.h"

#include <unistd.h>

#include <cmath>

namespace hm::eval {
namespace {

std::string Duration(double seconds) {
  const int64_t s = static_cast<int64_t>(std::llround(seconds));
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%lldh %02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
  else if (s >= 60) std::snprintf(buf, sizeof buf, "%lldm %02llds", (long long)(s / 60), (long long)(s % 60));
  else std::snprintf(buf, sizeof buf, "%llds", (long long)s);
  return buf;
}

}  // namespace

Progress::Progress(std::string label, int64_t total, std::FILE* out)
    : label_(std::move(label)), total_(total), out_(out), tty_(isatty(fileno(out))),
      start_(std::chrono::steady_clock::now()) {}

std::string Progress::Line(const std::string& label, int64_t done, int64_t total, double elapsed) {
  constexpr int kWidth = 24;
  const double fraction = total > 0 ? static_cast<double>(done) / total : 1.0;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar = "[" + std::string(filled, '#') + std::string(kWidth - filled, '-') + "]";
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s %s %lld/%lld %5.1f%%", label.c_str(), bar.c_str(), (long long)done,
                (long long)total, fraction * 100);
  std::string line = buf;
  if (done > 0) {
    const double per = elapsed / done;
    std::snprintf(buf, sizeof buf, "  %.2f s/sample  ETA %s", per, Duration(per * (total - done)).c_str());
    line += buf;
  } else {
    line += "  ETA --";
  }
  return line;
}

void Progress::Update(int64_t done) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const int decile = total_ > 0 ? static_cast<int>(done * 10 / total_) : 10;
  if (tty_) {
    std::fprintf(out_, "\r%s\033[K", Line(label_, done, total_, elapsed).c_str());
  } else if (decile != last_decile_) {
    std::fprintf(out_, "%s\n", Line(label_, done, total_, elapsed).c_str());
  }
  last_decile_ = decile;
  std::fflush(out_);
}

void Progress::Finish() {
  if (tty_) std::fputc('\n', out_);
  std::fflush(out_);
}

}  // namespace hm::eval
