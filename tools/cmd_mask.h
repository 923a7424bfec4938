// `murine mask`: builds the connection window of one dense, conv or transposed-conv layer, prints
// its figures (num_weights, num_ones, %usage, w_corr, hb) or a CSV row, and draws it as a PNG.
#pragma once
#include "tools/command.h"

namespace murine::cli {

// Adds the `mask` subcommand and returns it with the function that runs it (tools/command.h).
Command add_mask_command(CLI::App& app);

}  // namespace murine::cli
