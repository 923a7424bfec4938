// `murine bench sgemm [--size N] [--threads T]`: the machine's OpenBLAS sgemm rate, the yardstick of
// `murine bench`'s GFLOP/s (tools/cmd_bench_sgemm.cpp); a subcommand of `murine bench` (tools/cmd_bench.cpp).
#pragma once
#include "tools/command.h"

namespace murine::cli {

// Adds the `sgemm` subcommand to `bench` and returns it with the function that runs it.
Command add_bench_sgemm_command(CLI::App& bench);

}  // namespace murine::cli
