// docs/equations.md and the code stay in step: every equation tag written in the source
// (a `//` comment starting with [tag]) has a row in the table naming the file it is in, and every
// row's tag appears in each file the row names.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace {

namespace fs = std::filesystem;

std::string root() {
  const char* r = std::getenv("MURINE_SOURCE_DIR");
  return r ? r : ".";
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// tag → files (relative paths) whose comments carry it.
std::map<std::string, std::set<std::string>> tags_in_code() {
  std::map<std::string, std::set<std::string>> tags;
  const std::regex tag(R"(//\s*\[([^\]]+)\])");
  for (const char* dir : {"tensor", "io", "autograd", "layers", "optim", "models", "data", "train", "cuda", "tools"}) {
    fs::path d = fs::path(root()) / dir;
    if (!fs::exists(d)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(d)) {
      std::string ext = entry.path().extension();
      if (ext != ".cpp" && ext != ".h" && ext != ".cu" && ext != ".cuh") continue;
      std::string text = read(entry.path());
      std::string rel = fs::relative(entry.path(), root()).generic_string();
      for (std::sregex_iterator it(text.begin(), text.end(), tag), end; it != end; ++it)
        tags[(*it)[1]].insert(rel);
    }
  }
  return tags;
}

// tag → files named in its row. Rows look like: | `[tag]` | equation | `file` function; `file` … |
std::map<std::string, std::set<std::string>> tags_in_table() {
  std::map<std::string, std::set<std::string>> rows;
  std::string doc = read(fs::path(root()) / "docs/equations.md");
  const std::regex row(R"(^\|\s*`\[([^\]]+)\]`\s*\|[^|]*\|(.*)\|\s*$)");
  const std::regex file(R"(`([A-Za-z0-9_./-]+\.(?:cpp|h|cu|cuh))`)");
  std::istringstream lines(doc);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, row)) continue;
    std::string where = m[2];
    auto& files = rows[m[1]];
    for (std::sregex_iterator it(where.begin(), where.end(), file), end; it != end; ++it)
      files.insert((*it)[1]);
  }
  return rows;
}

TEST(Equations, EveryTagInTheCodeHasARowNamingItsFile) {
  auto code = tags_in_code();
  auto table = tags_in_table();
  ASSERT_FALSE(code.empty()) << "no tags found: is MURINE_SOURCE_DIR the repository root?";
  for (const auto& [tag, files] : code) {
    ASSERT_TRUE(table.count(tag)) << "tag [" << tag << "] (in " << *files.begin()
                                  << ") has no row in docs/equations.md";
    for (const std::string& f : files)
      EXPECT_TRUE(table[tag].count(f)) << "row [" << tag << "] does not name " << f;
  }
}

TEST(Equations, EveryRowPointsAtCodeThatCarriesTheTag) {
  auto code = tags_in_code();
  for (const auto& [tag, files] : tags_in_table()) {
    ASSERT_TRUE(code.count(tag)) << "docs/equations.md row [" << tag << "] matches no tag in the code";
    EXPECT_FALSE(files.empty()) << "row [" << tag << "] names no file";
    for (const std::string& f : files)
      EXPECT_TRUE(code[tag].count(f)) << "row [" << tag << "] names " << f << ", which lacks the tag";
  }
}

}  // namespace
