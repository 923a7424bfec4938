// Progress bar with ETA, or plain periodic lines when not on a terminal.
#include "train/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace murine {

Progress::Progress(int64_t total, int64_t items_per_step, std::string label, FILE* out, double plain_every)
    : total_(std::max<int64_t>(total, 1)),
      items_per_step_(items_per_step),
      label_(std::move(label)),
      out_(out),
      tty_(isatty(fileno(out))),
      plain_every_(plain_every),
      start_(std::chrono::steady_clock::now()) {}

std::string Progress::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  int64_t s = (int64_t)std::llround(seconds);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60),
                  (long long)(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%02lld:%02lld", (long long)(s / 60), (long long)(s % 60));
  return buf;
}

std::string Progress::line(int64_t done, const std::string& stats, double elapsed) const {
  constexpr int kWidth = 24;
  double fraction = std::clamp((double)done / (double)total_, 0.0, 1.0);
  int filled = (int)(fraction * kWidth);
  std::string bar = "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "]";
  // Rates count the steps since the first update (a resumed run starts counting there too).
  int64_t base = start_step_ < 0 ? 0 : start_step_;
  int64_t steps_here = std::max<int64_t>(done - base, 0);
  double per_step = steps_here > 0 ? elapsed / (double)steps_here : NAN;
  double rate = steps_here > 0 && elapsed > 0 ? (double)(steps_here * items_per_step_) / elapsed : 0.0;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s %s %lld/%lld %3.0f%%  %s  %.1f img/s  ETA %s", label_.c_str(), bar.c_str(),
                (long long)done, (long long)total_, 100.0 * fraction, stats.c_str(), rate,
                format_duration(per_step * (double)(total_ - done)).c_str());
  return buf;
}

void Progress::update(int64_t done, const std::string& stats) {
  if (start_step_ < 0) {
    start_step_ = done;  // time is measured from here, so rates count the steps after it
    start_ = std::chrono::steady_clock::now();
  }
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (tty_) {
    std::fprintf(out_, "\r%s\033[K", line(done, stats, elapsed).c_str());
  } else if (elapsed - last_plain_ >= plain_every_ || done == total_) {
    last_plain_ = elapsed;
    std::fprintf(out_, "%s\n", line(done, stats, elapsed).c_str());
  }
  std::fflush(out_);
}

void Progress::finish(const std::string& stats) {
  if (tty_) std::fprintf(out_, "\n");
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(out_, "%s: done in %s%s%s\n", label_.c_str(), format_duration(elapsed).c_str(),
               stats.empty() ? "" : ", ", stats.c_str());
  std::fflush(out_);
}

}  // namespace murine
