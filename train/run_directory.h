// Opening a run directory for writing, the one way Trainer and ClassifierTrainer do it: created only
// once the run can start (so a failed start leaves nothing behind), locked (train/run_lock.h), cleared
// of dead writers' temporaries, and never silently written over: a fresh run refuses a directory that
// already holds a run unless asked to overwrite it, which deletes that run's files and nothing else.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "train/run_lock.h"

namespace murine {

enum class RunStart {
  Fresh,      // refuse a directory that holds a run
  Overwrite,  // delete the old run's files first (--overwrite)
  Resume,     // the directory holds the run being continued
};

// The files of a run that `dir` holds (the names murine writes: config.json, checkpoint.safetensors,
// losses.csv, history.csv, summary.txt, weights.txt, confusion.*, training_images.png, samples_*.png,
// losses.png, training.png), sorted; empty when it holds none or does not exist.
std::vector<std::string> run_files(const std::string& dir);

// Creates `dir` (with its parents), takes its lock and removes stale temporaries; then, for Fresh,
// throws "OP: 'DIR' already holds a run (…); continue it with --resume DIR or replace it with
// --overwrite" when run_files(dir) is not empty, and for Overwrite deletes those files.
std::unique_ptr<RunLock> open_run_directory(const std::string& dir, RunStart start, const std::string& op);

}  // namespace murine
