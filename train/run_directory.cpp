// Opening a run directory (train/run_directory.h).
#include "train/run_directory.h"

#include <algorithm>
#include <filesystem>

#include "tensor/error.h"

namespace murine {

namespace fs = std::filesystem;

namespace {

bool is_run_file(const std::string& name) {
  static const char* const kNames[] = {"config.json",  "checkpoint.safetensors", "losses.csv",    "history.csv",
                                       "summary.txt",  "weights.txt",            "confusion.txt", "confusion.csv",
                                       "training_images.png", "losses.png",      "training.png"};
  for (const char* n : kNames)
    if (name == n) return true;
  return name.rfind("samples_", 0) == 0 && name.size() > 12 && name.compare(name.size() - 4, 4, ".png") == 0;
}

}  // namespace

std::vector<std::string> run_files(const std::string& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec) && is_run_file(it->path().filename().string()))
      found.push_back(it->path().filename().string());
  std::sort(found.begin(), found.end());
  return found;
}

std::unique_ptr<RunLock> open_run_directory(const std::string& dir, RunStart start, const std::string& op) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  MURINE_CHECK(!ec && fs::is_directory(dir), op << ": cannot create output directory '" << dir << "': " << ec.message());
  auto lock = std::make_unique<RunLock>(dir, op);  // before anything is read or written
  remove_stale_temporaries(dir);
  if (start == RunStart::Resume) return lock;
  const std::vector<std::string> old = run_files(dir);
  if (old.empty()) return lock;
  if (start == RunStart::Fresh) {
    std::string names;
    for (size_t i = 0; i < old.size() && i < 3; ++i) names += (i ? ", " : "") + old[i];
    if (old.size() > 3) names += ", … " + std::to_string(old.size()) + " files";
    MURINE_CHECK(false, op << ": '" << dir << "' already holds a run (" << names << "); continue it with --resume "
                           << dir << " or replace it with --overwrite");
  }
  for (const std::string& name : old) {
    fs::remove(fs::path(dir) / name, ec);
    MURINE_CHECK(!ec, op << ": --overwrite: cannot remove '" << dir << "/" << name << "': " << ec.message());
  }
  return lock;
}

}  // namespace murine
