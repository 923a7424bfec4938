// `murine experiment`: the papers' experiments on classifiers, one subcommand each. For now only
// `mask` (tools/cmd_experiment_mask.cpp); `compare` and `sweep` are to be registered here beside it.
#include <cstdio>
#include <vector>

#include "tools/command.h"

namespace murine::cli {

Command add_experiment_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("experiment", "the papers' experiments on classifiers (mask)");
  sub->require_subcommand(1);
  const std::vector<Command> experiments = {add_experiment_mask_command(*sub)};
  return {sub, [experiments] {
            for (const Command& e : experiments)
              if (e.app->parsed()) return e.run();
            return 0;
          }};
}

}  // namespace murine::cli
