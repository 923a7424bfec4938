// Runs one of murine's matplotlib scripts (tools/plot_*.py) on a run or experiment directory, when
// python3 with matplotlib is there; the CLI's pictures are optional extras, never a reason to fail.
#pragma once
#include <string>

namespace murine::cli {

// Runs `python3 <tools>/<script> <dir>` (no shell: the arguments are passed as they are), where <tools> is
// the tools/ folder beside the build directory of this executable. Returns true when the script exited
// with 0; otherwise prints to stderr why there is no picture and how to draw it by hand.
bool run_plot_script(const std::string& script, const std::string& dir);

}  // namespace murine::cli
