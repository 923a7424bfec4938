// Runs one of the plotting scripts next to the binary (tools/plot_*.py) on a directory, when python3
// with matplotlib is available; the experiments call it after writing their CSV.
#pragma once
#include <string>

namespace murine::cli {

// `python3 tools/<script> <dir>` (the python3 on PATH, else /usr/bin/python3, whichever has
// matplotlib): the script is looked up beside the binary (<exe dir>/../tools/, as
// build/murine sits in a checkout) and then under ./tools/. Returns true when the script ran and
// succeeded; otherwise prints one line on stderr saying why the plot was skipped (no python3 or
// matplotlib, script not found, script failed) and how to draw it later, and returns false.
bool run_plot_script(const std::string& script, const std::string& dir);

}  // namespace murine::cli
