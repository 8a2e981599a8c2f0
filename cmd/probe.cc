// `certwatch probe ...`: one-shot checks of live endpoints (tls, dns), each in its own file.
#include "cmd/commands.h"

namespace certwatch {

void AddProbeCommand(CLI::App& app, int& exit_code) {
  auto* probe = app.add_subcommand("probe", "Probe a live endpoint once and report");
  probe->require_subcommand(1);
  AddProbeTlsCommand(*probe, exit_code);
  AddProbeDnsCommand(*probe, exit_code);
}

}  // namespace certwatch
