#include <iostream>

#include "cmd/commands.h"
#include "config/config.h"

namespace certwatch {

void AddCheckConfigCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("check-config", "Validate a config file (same loader as serve)");
  auto file = std::make_shared<std::string>();
  cmd->add_option("file", *file, "Config file")->required();
  cmd->callback([file, &exit_code] {
    auto config = LoadConfigFile(*file);
    if (!config) {
      std::cerr << config.error().message << "\n";
      exit_code = 2;
      return;
    }
    std::cout << *file << ": ok\n";
    for (const auto& line : config->adjusted_defaults) std::cout << "  " << line << "\n";
    exit_code = 0;
  });
}

}  // namespace certwatch
