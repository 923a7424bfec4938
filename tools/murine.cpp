// build/murine: the command-line entry point, a thin dispatcher. It registers the subcommands
// (tools/cmd_*.cpp), parses, and runs the chosen one. Every murine::Error (and any other exception)
// becomes one line on stderr and exit status 1; CLI11 reports usage errors itself.
#include <cstdio>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "tools/cmd_mask.h"
#include "tools/command.h"
#include "tools/version.h"

int main(int argc, char** argv) {
  CLI::App app{"murine: mouse-mimetic and schizophrenia-mimicking neural networks in C++"};
  app.require_subcommand(0, 1);
  // --version as `murine version` (a function: the CUDA probe runs only when asked)
  app.set_version_flag("--version", std::function<std::string()>([] { return "murine " + murine::version_string(); }),
                       "print the version and the backends (as `murine version`) and exit");
  std::vector<murine::cli::Command> commands = {
      murine::cli::add_version_command(app),
      murine::cli::add_verify_command(app),
      murine::cli::add_train_command(app),
      murine::cli::add_mask_command(app),
      murine::cli::add_data_command(app),
      murine::cli::add_bench_command(app),
      murine::cli::add_sample_command(app),
      murine::cli::add_evaluate_command(app),
      murine::cli::add_experiment_command(app),
  };
  try {
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      return app.exit(e);
    }
    for (const auto& command : commands)
      if (command.app->parsed()) return command.run();
    if (app.get_subcommands().empty()) std::printf("%s", app.help().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "murine: error: %s\n", e.what());
    return 1;
  }
}
