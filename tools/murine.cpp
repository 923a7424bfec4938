// build/murine: the command-line entry point. Every murine::Error (and any other exception) becomes
// one line on stderr and exit status 1; CLI11 handles usage errors (exit 106-ish codes from CLI11).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "tools/version.h"

int main(int argc, char** argv) {
  CLI::App app{"murine: mouse-mimetic and schizophrenia-mimicking neural networks in C++"};
  app.require_subcommand(0, 1);
  auto* version = app.add_subcommand("version", "print the murine version and build (cpu or cuda)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (version->parsed()) {
      std::printf("murine %s\n", murine::version_string().c_str());
      return 0;
    }
    std::printf("%s", app.help().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "murine: error: %s\n", e.what());
    return 1;
  }
}
