// `murine verify DIR...`: runs every reference case found in the given directories (a directory
// holding case.json is one case; otherwise its subdirectories are searched), prints
// `PASS <name> usage=<%> err=<worst>` or `FAIL <name> <what differs>` per case, then
// `N passed, N failed`; exits non-zero if any case failed or none was found.
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>

#include "tensor/error.h"
#include "tools/command.h"
#include "tools/reference_case.h"

namespace murine::cli {

namespace {

namespace fs = std::filesystem;

// Folders are searched to this depth, and each real folder (device, inode) once, so links that point
// back up the tree end the search instead of recursing forever.
constexpr int kMaxCaseDepth = 32;

void find_cases(const fs::path& dir, std::vector<fs::path>& out, std::set<std::pair<dev_t, ino_t>>& seen, int depth = 0) {
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !seen.insert({st.st_dev, st.st_ino}).second) return;
  if (fs::exists(dir / "case.json")) {
    out.push_back(dir);
    return;
  }
  MURINE_CHECK(depth < kMaxCaseDepth, "murine verify: " << dir.string().substr(0, 200) << ": folders nested deeper than "
                                                        << kMaxCaseDepth);
  std::vector<fs::path> children;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_directory()) children.push_back(entry.path());
  std::sort(children.begin(), children.end());
  for (const auto& child : children) find_cases(child, out, seen, depth + 1);
}

// The shortest decimal that reads back as the same double (34.515380859375, 50).
std::string shortest(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

}  // namespace

Command add_verify_command(CLI::App& app) {
  struct Args {
    std::vector<std::string> dirs;
    std::string device = "cpu";
  };
  auto args = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand("verify", "check murine's layers against PyTorch/Keras reference cases");
  sub->add_option("dirs", args->dirs, "case directories, or folders holding them")->required();
  sub->add_option("--device", args->device, "cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}));
  return {sub, [args] {
            const Device device = parse_device(args->device, "murine verify");
            std::vector<fs::path> cases;
            for (const auto& d : args->dirs) {
              if (!fs::is_directory(d)) {
                std::printf("FAIL %s not a directory\n", d.c_str());
                cases.push_back(fs::path());
                continue;
              }
              std::set<std::pair<dev_t, ino_t>> seen;
              find_cases(d, cases, seen);
            }
            int passed = 0, failed = 0;
            for (const auto& dir : cases) {
              if (dir.empty()) {
                ++failed;
                continue;
              }
              std::string name = dir.parent_path().filename().string() + "/" + dir.filename().string();
              CaseResult r = run_case(dir.string(), device);
              if (r.pass) {
                ++passed;
                std::printf("PASS %s usage=%s err=%.3g\n", name.c_str(),
                            r.usage_percent < 0 ? "-" : (shortest(r.usage_percent) + "%").c_str(), r.worst_error);
              } else {
                ++failed;
                std::printf("FAIL %s %s\n", name.c_str(), r.message.c_str());
              }
            }
            if (cases.empty()) std::printf("FAIL no case.json found under the given directories\n"), ++failed;
            std::printf("%d passed, %d failed\n", passed, failed);
            return failed == 0 ? 0 : 1;
          }};
}

}  // namespace murine::cli
