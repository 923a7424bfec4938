// A run directory belongs to one writer at a time. RunLock takes an exclusive flock(2) on DIR/.lock for
// as long as it lives (Trainer and ClassifierTrainer hold one for the whole run, taken before they
// write anything), so a second `murine train --out DIR` or `--resume DIR` stops with an error naming
// the holder's pid instead of interleaving losses.csv and checkpoints. The kernel drops the lock
// when the holder exits, however it exits, so a crashed run never blocks the next one.
#pragma once
#include <string>

namespace murine {

class RunLock {
 public:
  // Throws murine::Error "OP: run directory 'DIR' is in use by process PID …" when another open
  // lock holds it, or naming the lock file when it cannot be created. Writes this process's pid into it.
  RunLock(const std::string& dir, const std::string& op);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

// Removes the temporaries that io/atomic_file.h's writers leave when they die mid-write
// ("NAME.tmp.PID" in `dir`, not recursing) whose PID is not this process and names no live
// process. Call it while holding the directory's RunLock. Returns how many it removed.
int remove_stale_temporaries(const std::string& dir);

}  // namespace murine
