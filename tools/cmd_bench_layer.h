// `murine bench layer`: one masked layer's forward+backward timed with the dense and with the
// window-aware products (tools/cmd_bench_layer.cpp); a subcommand of `murine bench` (tools/cmd_bench.cpp).
#pragma once
#include "tools/command.h"

namespace murine::cli {

// Adds the `layer` subcommand to `bench` and returns it with the function that runs it.
Command add_bench_layer_command(CLI::App& bench);

}  // namespace murine::cli
