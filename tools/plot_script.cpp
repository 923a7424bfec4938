// Running the plot scripts (see plot_script.h).
#include "tools/plot_script.h"

#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <vector>

extern char** environ;

namespace murine::cli {

namespace {

// tools/ of the source tree this binary was built in: build/murine → ../tools.
std::string tools_dir() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const std::filesystem::path tools = exe.parent_path().parent_path() / "tools";
    if (std::filesystem::is_directory(tools, ec)) return tools.string();
  }
  return "tools";
}

// Exit status of `argv` run without a shell, or −1 when it could not start.
int spawn(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  if (posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

bool run_plot_script(const std::string& script, const std::string& dir) {
  const std::string path = tools_dir() + "/" + script;
  if (!std::filesystem::exists(path)) {
    std::fprintf(stderr, "no plot: %s not found\n", path.c_str());
    return false;
  }
  if (spawn({"python3", "-c", "import matplotlib"}) != 0) {
    std::fprintf(stderr, "no plot: python3 with matplotlib is missing (apt-get install python3-matplotlib); "
                         "then run python3 %s %s\n", path.c_str(), dir.c_str());
    return false;
  }
  if (spawn({"python3", path, dir}) != 0) {
    std::fprintf(stderr, "no plot: %s failed on %s\n", path.c_str(), dir.c_str());
    return false;
  }
  return true;
}

}  // namespace murine::cli
