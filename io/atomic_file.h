// AtomicFile: writes a file so that a reader sees either the old contents or the complete new
// ones, never a partial file, even if the process dies mid-write. Bytes go to "<path>.tmp.<pid>"
// in the same directory; commit() flushes them to disk (fsync) and renames the temporary over
// <path>, which POSIX makes atomic within one filesystem. A writer destroyed or failing before
// commit() removes its temporary and leaves <path> as it was.
#pragma once
#include <cstddef>
#include <string>

namespace murine {

class AtomicFile {
 public:
  // Creates the temporary file. `op` names the caller in error messages ("write_npy").
  // Throws murine::Error naming op, the path and strerror when it cannot be created.
  AtomicFile(const std::string& path, const std::string& op);
  ~AtomicFile();  // abandons an uncommitted write: closes and removes the temporary
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Appends `size` bytes; on failure removes the temporary and throws.
  void write(const void* data, size_t size);
  // fsync, close, rename over the target (then fsync the directory); on failure removes the
  // temporary and throws. Call at most once.
  void commit();

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }

 private:
  // Closes and removes the temporary, then throws "<op>: cannot <what> '<path>': <strerror(err)>".
  [[noreturn]] void fail(const char* what, int err);
  void discard();

  std::string path_, temp_path_, op_;
  int fd_ = -1;
};

// The whole of `text` as the new contents of `path`, atomically (an AtomicFile written and committed).
void write_file_atomic(const std::string& path, const std::string& text, const std::string& op);

}  // namespace murine
