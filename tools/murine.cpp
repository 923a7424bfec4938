// build/murine: the command-line entry point, a thin dispatcher. Each subcommand lives in its own
// tools/cmd_*.cpp and registers itself with an add_*_command(app) that runs from its callback.
// Every murine::Error (and any other exception) becomes one line on stderr and exit status 1;
// CLI11 handles usage errors (exit 106-ish codes from CLI11).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "tools/cmd_mask.h"
#include "tools/version.h"

int main(int argc, char** argv) {
  CLI::App app{"murine: mouse-mimetic and schizophrenia-mimicking neural networks in C++"};
  app.require_subcommand(0, 1);
  auto* version = app.add_subcommand("version", "print the murine version and build (cpu or cuda)");
  murine::add_mask_command(app);
  try {
    app.parse(argc, argv);  // a subcommand's callback runs here
    if (version->parsed()) {
      std::printf("murine %s\n", murine::version_string().c_str());
      return 0;
    }
    if (app.get_subcommands().empty()) std::printf("%s", app.help().c_str());
    return 0;
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "murine: error: %s\n", e.what());
    return 1;
  }
}
