// One composition root per subcommand. Each Add*Command registers its CLI11 subcommand and
// sets `exit_code` when it runs: 0 ok, 1 the checked thing is unhealthy, 2 usage or config error.
#pragma once

#include <CLI/CLI.hpp>

namespace certwatch {

void AddVersionCommand(CLI::App& app, int& exit_code);
void AddCheckConfigCommand(CLI::App& app, int& exit_code);
void AddConfigReferenceCommand(CLI::App& app, int& exit_code);  // hidden
void AddServeCommand(CLI::App& app, int& exit_code);
void AddGenerateCommand(CLI::App& app, int& exit_code);
void AddStatusCommand(CLI::App& app, int& exit_code);  // status certificate, status webhook
void AddStatusWebhookCommand(CLI::App& status, int& exit_code);
void AddRenewCommand(CLI::App& app, int& exit_code);
// `probe` parent; its children (tls, dns) are added from cmd/probe.cc.
void AddProbeCommand(CLI::App& app, int& exit_code);
void AddProbeTlsCommand(CLI::App& probe, int& exit_code);
void AddProbeDnsCommand(CLI::App& probe, int& exit_code);

}  // namespace certwatch
