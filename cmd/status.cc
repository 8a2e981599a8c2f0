// `certwatch status certificate NAME -n NS`: cmctl's status walk plus the endpoints, DNS-01
// propagation, CAA and cert-manager's backoff, ending in one verdict line. Exit 0 healthy,
// 1 not healthy, 2 usage or config error or the Certificate not found.
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "cmd/commands.h"
#include "cmd/status_network.h"
#include "cmd/status_session.h"
#include "common/clock.h"
#include "config/config.h"
#include "diagnose/gather.h"
#include "diagnose/kube_reader.h"
#include "diagnose/render.h"
#include "diagnose/verdict.h"

namespace certwatch {

namespace {

struct StatusArgs {
  std::string name;
  std::string ns;
  std::string kubeconfig;
  std::string config;
  std::string output = "text";
  bool no_probes = false;
};

// Colour only for a terminal that wants it (https://no-color.org).
bool WantColour() {
  if (!isatty(STDOUT_FILENO)) return false;
  if (const char* nc = std::getenv("NO_COLOR"); nc && *nc) return false;
  const char* term = std::getenv("TERM");
  return !(term && std::string_view(term) == "dumb");
}

int RunStatus(const StatusArgs& a) {
  auto session = OpenStatusSession(a.config, a.kubeconfig);
  if (!session) {
    std::cerr << "certwatch status: " << session.error().message << "\n";
    return 2;
  }
  const Config& config = session->config;
  std::string ns = a.ns;
  if (ns.empty()) ns = session->context_namespace.empty() ? "default" : session->context_namespace;
  KubeClusterReader reader(*session->client, config.kubernetes.list_page_size);
  ProbeNetworkChecker network(config);
  auto input = GatherDiagnosis(reader, a.no_probes ? nullptr : &network, config, ns, a.name);
  if (!input) {
    std::cerr << "certwatch status: " << input.error().message << "\n";
    return 2;
  }
  SystemClock clock;
  const UnixSeconds now = static_cast<UnixSeconds>(clock.NowSeconds());
  Diagnosis d = Diagnose(*input, now);
  if (a.output == "json") {
    std::cout << RenderDiagnosisJson(*input, d, now);
  } else {
    std::cout << RenderDiagnosisText(*input, d, WantColour());
  }
  std::cout.flush();
  return d.exit_code();
}

}  // namespace

void AddStatusCommand(CLI::App& app, int& exit_code) {
  auto* status = app.add_subcommand(
      "status", "Explain the state of a cert-manager object or of a webhook's caBundle");
  status->require_subcommand(1);
  auto args = std::make_shared<StatusArgs>();
  auto* cmd = status->add_subcommand(
      "certificate",
      "Walk Certificate -> Issuer -> Secret -> CertificateRequest -> Order -> Challenges, "
      "handshake its endpoints, check DNS-01 and CAA, and say where it is stuck");
  cmd->add_option("name", args->name, "Certificate name")->required();
  cmd->add_option("-n,--namespace", args->ns,
                  "Namespace (default: the kubeconfig context's, then \"default\")");
  cmd->add_option("--kubeconfig", args->kubeconfig,
                  "kubeconfig file (default: config kubernetes.kubeconfig, $KUBECONFIG, "
                  "in-cluster)");
  cmd->add_option("--config", args->config,
                  "certwatch config: tls_probes.targets, dns_probes.resolvers, runbook URL");
  cmd->add_option("-o,--output", args->output, "Output format")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("--no-probes", args->no_probes,
                "Only read the cluster: no TLS handshakes, no DNS questions");
  cmd->callback([args, &exit_code] { exit_code = RunStatus(*args); });
  AddStatusWebhookCommand(*status, exit_code);
}

}  // namespace certwatch
