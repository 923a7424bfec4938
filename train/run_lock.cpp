// The run directory's lock and the clean-up of dead writers' temporaries (train/run_lock.h).
#include "train/run_lock.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "tensor/error.h"

namespace murine {

namespace {

// The pid a holder wrote into the lock file, or "unknown" (at most 20 bytes are read).
std::string holder_pid(int fd) {
  char buf[21] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string pid;
  for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) pid += buf[i];
  return pid.empty() ? "unknown" : pid;
}

}  // namespace

RunLock::RunLock(const std::string& dir, const std::string& op) {
  const std::string path = dir + "/.lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  MURINE_CHECK(fd_ >= 0, op << ": cannot open the run directory's lock file '" << path << "': " << std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    const std::string pid = holder_pid(fd_);
    ::close(fd_);
    fd_ = -1;
    MURINE_CHECK(err != EWOULDBLOCK, op << ": run directory '" << dir << "' is in use by process " << pid
                                        << " (it holds " << path << "); wait for it to finish or use another --out");
    MURINE_CHECK(false, op << ": cannot lock '" << path << "': " << std::strerror(err));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) != (ssize_t)pid.size()) {
    // the lock holds without the pid; a second writer's message then says "unknown"
  }
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

int remove_stale_temporaries(const std::string& dir) {
  namespace fs = std::filesystem;
  int removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const size_t tmp = name.rfind(".tmp.");
    if (tmp == std::string::npos || tmp + 5 >= name.size() || name.size() - tmp - 5 > 10) continue;
    const std::string digits = name.substr(tmp + 5);
    if (digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const long pid = std::stol(digits);  // at most 10 digits: fits
    if (pid <= 0 || pid == (long)::getpid()) continue;
    if (::kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to signal): keep
    std::error_code rm;
    if (it->is_regular_file(rm) && fs::remove(it->path(), rm)) ++removed;
  }
  return removed;
}

}  // namespace murine
