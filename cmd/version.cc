#include <iostream>

#include "cmd/commands.h"
#include "common/revision.h"

namespace certwatch {

void AddVersionCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("version", "Print version and build information");
  cmd->callback([&exit_code] {
    std::cout << "certwatch " << CERTWATCH_VERSION << " (revision " << certwatch::Revision() << ", "
              << __VERSION__ << ")\n";
    exit_code = 0;
  });
}

}  // namespace certwatch
