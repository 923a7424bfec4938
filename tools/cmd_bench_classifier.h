// `murine bench classifier --model mlp|cnn`: times the training steps of one of the papers' classifiers
// (tools/cmd_bench_classifier.cpp); a subcommand of `murine bench` (tools/cmd_bench.cpp).
#pragma once
#include "tools/command.h"

namespace murine::cli {

// Adds the `classifier` subcommand to `bench` and returns it with the function that runs it.
Command add_bench_classifier_command(CLI::App& bench);

}  // namespace murine::cli
