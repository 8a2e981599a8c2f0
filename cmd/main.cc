#include <curl/curl.h>

#include <csignal>
#include <iostream>
#include <string_view>

#include "cmd/commands.h"

int main(int argc, char** argv) {
  // Probes, scrapes and API calls write to sockets with write(2) (OpenSSL's socket BIO,
  // cpp-httplib); a peer that closes first must cost one request, not the process.
  std::signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  // Installed or linked as kubectl-certwatch, it is a kubectl plugin (`kubectl certwatch ...`,
  // as cmctl is `kubectl cert-manager`): the same commands, named so in the usage text.
  const std::string_view self = argc > 0 ? std::string_view(argv[0]) : "certwatch";
  const bool plugin = self.substr(self.find_last_of('/') + 1) == "kubectl-certwatch";
  CLI::App app{"certwatch: TLS certificate health for Kubernetes and cert-manager",
               plugin ? "kubectl certwatch" : "certwatch"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(CERTWATCH_VERSION));
  int exit_code = 0;
  certwatch::AddVersionCommand(app, exit_code);
  certwatch::AddCheckConfigCommand(app, exit_code);
  certwatch::AddConfigReferenceCommand(app, exit_code);
  certwatch::AddServeCommand(app, exit_code);
  certwatch::AddStatusCommand(app, exit_code);
  certwatch::AddRenewCommand(app, exit_code);
  certwatch::AddGenerateCommand(app, exit_code);
  certwatch::AddProbeCommand(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    curl_global_cleanup();
    return rc == 0 ? 0 : 2;  // usage errors exit 2, --help exits 0
  }
  curl_global_cleanup();
  return exit_code;
}
