// `murine version`: the version and the backends this binary was built with.
#include <cstdio>

#include "tools/command.h"
#include "tools/version.h"

namespace murine::cli {

Command add_version_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("version", "print the murine version and its backends (cpu, cuda)");
  return {sub, [] {
            std::printf("murine %s\n", version_string().c_str());
            return 0;
          }};
}

}  // namespace murine::cli
