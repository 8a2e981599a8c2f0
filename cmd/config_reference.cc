#include <iostream>

#include "cmd/commands.h"
#include "config/schema.h"

namespace certwatch {

// Hidden (empty group): a maintainer's command that regenerates config/REFERENCE.md.
void AddConfigReferenceCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("config-reference",
                                 "Print the configuration reference (Markdown) from the schema");
  cmd->group("");
  cmd->callback([&exit_code] {
    std::cout << ConfigReferenceMarkdown();
    exit_code = 0;
  });
}

}  // namespace certwatch
