#include "rules/generate.h"

#include <iostream>

#include "cmd/commands.h"
#include "config/config.h"

namespace certwatch {

void AddGenerateCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "generate",
      "Write PrometheusRules (CRD and rule file), promtool tests, Grafana dashboards and runbooks");
  auto config_file = std::make_shared<std::string>();
  auto out_dir = std::make_shared<std::string>();
  cmd->add_option("--config", *config_file, "Config file (its generator section)")->required();
  cmd->add_option("--out", *out_dir, "Output directory (created if missing)")->required();
  cmd->callback([config_file, out_dir, &exit_code] {
    auto config = LoadConfigFile(*config_file);
    if (!config) {
      std::cerr << config.error().message << "\n";
      exit_code = 2;
      return;
    }
    auto files = GenerateMonitoring(config->generator);
    if (!files) {
      std::cerr << *config_file << ": " << files.error().message << "\n";
      exit_code = 2;
      return;
    }
    if (auto written = WriteGeneratedFiles(*files, *out_dir); !written) {
      std::cerr << written.error().message << "\n";
      exit_code = 2;
      return;
    }
    for (const auto& file : *files) std::cout << *out_dir << "/" << file.path << "\n";
    exit_code = 0;
  });
}

}  // namespace certwatch
