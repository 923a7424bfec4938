// How a subcommand plugs into build/murine: each tools/cmd_<name>.cpp defines
// `Command add_<name>_command(CLI::App& app)`, which adds its CLI11 subcommand with its options and
// returns it with the function that runs it (returning the exit status). murine.cpp lists them.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "tensor/device.h"

namespace murine::cli {

// "cpu" or "cuda" → the device; an error naming `command` when the name is unknown, murine was built
// without CUDA, or no GPU is visible.
murine::Device parse_device(const std::string& name, const std::string& command);

// --max-image-pixels N on a command that reads image files: set_max_image_pixels (data/image.h).
void add_image_limit_option(CLI::App* app);

struct Command {
  CLI::App* app;
  std::function<int()> run;
};

Command add_version_command(CLI::App& app);
Command add_verify_command(CLI::App& app);
Command add_train_command(CLI::App& app);
Command add_data_command(CLI::App& app);
Command add_bench_command(CLI::App& app);
Command add_sample_command(CLI::App& app);
Command add_evaluate_command(CLI::App& app);
Command add_experiment_command(CLI::App& app);
// `murine experiment mask`: a subcommand of `murine experiment` (tools/cmd_experiment_mask.cpp).
Command add_experiment_mask_command(CLI::App& experiment);
// `murine train classifier`: a subcommand of `murine train` (`train` is its parent app).
Command add_train_classifier_command(CLI::App& train);

}  // namespace murine::cli
