// The CLI run as a child process, for the tests that need a real process (kill it, bound its memory):
// test_crash_safety.cpp and test_hostile_inputs.cpp.
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace murine::testing {

// The CLI built beside this test binary (make test builds both into $(BUILD)).
inline std::string murine_binary() {
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "murine").string();
}

// A child running `murine ARGS...` with stdout and stderr appended to `log`, one OpenMP thread, and
// at most `address_space_bytes` of virtual memory when that is > 0 (ulimit -v).
class Child {
 public:
  // Everything the child needs is made before fork(), so between fork and exec it only calls
  // async-signal-safe functions (this process has OpenMP threads).
  Child(const std::vector<std::string>& args, const std::string& log, long long address_space_bytes = 0) {
    const std::string binary = murine_binary();
    std::vector<std::string> env_strings = {"OMP_NUM_THREADS=1"};
    for (char** e = environ; *e; ++e)
      if (std::string(*e).rfind("OMP_NUM_THREADS=", 0) != 0) env_strings.push_back(*e);
    std::vector<char*> argv = {const_cast<char*>(binary.c_str())}, envp;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const std::string& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    const rlimit limit = {(rlim_t)address_space_bytes, (rlim_t)address_space_bytes};
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      if (dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0) _exit(126);
      if (address_space_bytes > 0 && setrlimit(RLIMIT_AS, &limit) != 0) _exit(126);
      execve(binary.c_str(), argv.data(), envp.data());
      _exit(127);
    }
    close(fd);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0 && !done_) {
      kill(pid_, SIGKILL);
      wait();
    }
  }
  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // True once the child has exited (collecting its status).
  bool exited() {
    if (done_) return true;
    if (waitpid(pid_, &status_, WNOHANG) == pid_) done_ = true;
    return done_;
  }
  // Waits for the child and returns its exit code, or 128 + the signal that ended it.
  int wait() {
    if (!done_) {
      waitpid(pid_, &status_, 0);
      done_ = true;
    }
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
  }
  // wait(), but a child still running after `seconds` is killed and -1 returned.
  int wait_for(double seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!exited() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (exited()) return wait();
    kill(pid_, SIGKILL);
    wait();
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool done_ = false;
};

}  // namespace murine::testing
