// Runs a tools/plot_*.py script on a directory (tools/plot_script.h).
#include "tools/plot_script.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <vector>

namespace murine::cli {

namespace {

namespace fs = std::filesystem;

// The argument quoted for sh: '...' with every ' written as '\''.
std::string shell_quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string find_script(const std::string& script) {
  std::vector<fs::path> candidates;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(exe.parent_path().parent_path() / "tools" / script);
  candidates.push_back(fs::path("tools") / script);
  for (const fs::path& p : candidates)
    if (fs::is_regular_file(p, ec)) return p.string();
  return "";
}

}  // namespace

bool run_plot_script(const std::string& script, const std::string& dir) {
  const std::string later = "(draw it later with: python3 tools/" + script + " " + dir + ")";
  // The python3 on PATH, else the system's (a pyenv or venv python3 on PATH may lack Debian's matplotlib).
  std::string python;
  for (const char* candidate : {"python3", "/usr/bin/python3"})
    if (python.empty() &&
        std::system((std::string(candidate) + " -c 'import matplotlib' >/dev/null 2>&1").c_str()) == 0)
      python = candidate;
  if (python.empty()) {
    std::fprintf(stderr, "skipped the plot: no python3 with matplotlib %s\n", later.c_str());
    return false;
  }
  const std::string path = find_script(script);
  if (path.empty()) {
    std::fprintf(stderr, "skipped the plot: tools/%s not found beside the binary or under ./tools %s\n",
                 script.c_str(), later.c_str());
    return false;
  }
  const std::string command = python + " " + shell_quoted(path) + " " + shell_quoted(dir) + " >/dev/null";
  if (std::system(command.c_str()) != 0) {
    std::fprintf(stderr, "the plot failed: %s %s\n", command.c_str(), later.c_str());
    return false;
  }
  return true;
}

}  // namespace murine::cli
