// AtomicFile: write to a temporary, fsync, rename over the target (POSIX).
#include "io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <utility>

#include "tensor/error.h"

namespace murine {

AtomicFile::AtomicFile(const std::string& path, const std::string& op)
    : path_(path), temp_path_(path + ".tmp." + std::to_string(::getpid())), op_(op) {
  MURINE_CHECK(!path.empty(), op << ": empty file path");
  // 0666 before the umask: the same permissions a plain fopen(path, "w") would give.
  fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd_ < 0) fail("create temporary file for", errno);
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::discard() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  ::unlink(temp_path_.c_str());
}

void AtomicFile::fail(const char* what, int err) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(temp_path_.c_str());
  std::ostringstream msg;
  msg << op_ << ": cannot " << what << " '" << path_ << "' (temporary '" << temp_path_
      << "'): " << std::strerror(err);
  throw Error(msg.str());
}

void AtomicFile::write(const void* data, size_t size) {
  MURINE_CHECK(fd_ >= 0, op_ << ": write to '" << path_ << "' after commit");
  const char* p = static_cast<const char*>(data);
  while (size > 0) {  // write() may write less than asked, or be interrupted by a signal
    ssize_t n = ::write(fd_, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("write", errno);
    p += n;
    size -= (size_t)n;
  }
}

void AtomicFile::commit() {
  MURINE_CHECK(fd_ >= 0, op_ << ": commit of '" << path_ << "' called twice");
  if (::fsync(fd_) != 0) fail("flush (fsync)", errno);
  int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) fail("close", errno);
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) fail("rename the temporary over", errno);
  // Make the rename itself durable. Best effort: the new file is already complete and in place.
  std::string dir = std::filesystem::path(path_).parent_path().string();
  int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

void write_file_atomic(const std::string& path, const std::string& text, const std::string& op) {
  AtomicFile f(path, op);
  f.write(text.data(), text.size());
  f.commit();
}

}  // namespace murine
