// Progress on long work: on a terminal, one line redrawn in place —
//   train [#########...........]  450/1000  45%  d_loss 0.612 g_loss 1.204  38.1 img/s  ETA 02:24
// — and, when the output is not a terminal (a log file, CI), a plain line every `plain_every`
// seconds and at the end, so logs stay readable.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace murine {

class Progress {
 public:
  // total steps, items (images) per step, a label ("train dcgan"); `out` defaults to stderr.
  Progress(int64_t total, int64_t items_per_step, std::string label, FILE* out = stderr,
           double plain_every = 10.0);
  // After step `done` (1-based) with a short stats text ("d_loss 0.61 g_loss 1.20").
  void update(int64_t done, const std::string& stats);
  void finish(const std::string& stats = "");

  // The line update() would draw (exposed for tests). elapsed in seconds.
  std::string line(int64_t done, const std::string& stats, double elapsed) const;
  static std::string format_duration(double seconds);  // "mm:ss" or "h:mm:ss"

 private:
  int64_t total_, items_per_step_, start_step_ = -1;
  std::string label_;
  FILE* out_;
  bool tty_;
  double plain_every_, last_plain_ = -1e9;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace murine
