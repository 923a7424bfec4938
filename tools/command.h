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

}  // namespace murine::cli
