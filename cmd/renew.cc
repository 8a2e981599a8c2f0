// certwatch renew: the auto-remediation sidecar. Composition root: config, logger, Kubernetes
// client, state reader, Lease, engine, metrics endpoint, signals.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <thread>

#include "cmd/commands.h"
#include "cmd/startup.h"
#include "common/clock.h"
#include "common/kube/client.h"
#include "common/kube/kubeconfig.h"
#include "common/log.h"
#include "config/config.h"
#include "renewer/engine.h"
#include "renewer/kube_actuator.h"
#include "renewer/lease.h"
#include "renewer/metrics_server.h"
#include "renewer/runner.h"
#include "renewer/state_reader.h"

namespace certwatch {
namespace {

struct RenewFlags {
  std::string config;
  std::string kubeconfig;
  std::string state_url;
  bool dry_run = false;
  std::string log_level = "info";
  std::string log_format = "logfmt";
  std::string lease_name;  // overrides renewer.lease_name (one Lease per shard)
};

std::string DefaultIdentity() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] ? host : "certwatch") + "_" + std::to_string(getpid());
}

int RunRenew(const RenewFlags& flags) {
  auto start = StartCommand("renew", flags.log_level, flags.log_format, flags.config);
  if (!start) return 2;
  Config config = std::move(start->config);
  RenewerConfig& rc = config.renewer;
  if (flags.dry_run) rc.dry_run = true;
  if (!flags.state_url.empty()) rc.state_url = flags.state_url;
  if (!flags.lease_name.empty()) rc.lease_name = flags.lease_name;
  if (rc.identity.empty()) rc.identity = DefaultIdentity();
  auto selector = renewer::Selector::Parse(rc.namespaces, rc.label_selector);
  if (!selector) {
    std::cerr << flags.config << ": renewer.label_selector: " << selector.error().message << "\n";
    return 2;
  }

  Logger logger = Logger(std::cerr, start->level, start->format).With("component", "renewer");
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  renewer::RenewerMetrics metrics(rc.dry_run);
  auto server = renewer::MetricsServer::Start(rc.listen_address, metrics);
  if (!server) {
    logger.Error("cannot start the metrics endpoint", {{"err", server.error().message}});
    return 2;
  }

  std::atomic<bool> stop{false};
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    logger.Info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    stop = true;
  });

  int rc_exit = 0;
  if (!rc.enabled) {
    logger.Warn("renewer.enabled is false: serving metrics, taking no action",
                {{"listen_address", rc.listen_address}});
    waiter.join();
    return 0;
  }

  std::unique_ptr<KubeClient> client;
  auto kube_config = ResolveKubeConfig(!flags.kubeconfig.empty() ? flags.kubeconfig
                                                                 : config.kubernetes.kubeconfig);
  // The namespace of the resolved config (in a pod the service account's), for the Lease.
  const std::string config_namespace = kube_config ? kube_config->namespace_ : "";
  if (kube_config) {
    auto created = KubeClient::Create(std::move(*kube_config));
    if (created) {
      client = std::move(*created);
    } else {
      kube_config = created.error();
    }
  }
  if (!client) {
    logger.Error("cannot build the Kubernetes client", {{"err", kube_config.error().message}});
    kill(getpid(), SIGTERM);  // wake the waiter
    waiter.join();
    return 2;
  }

  if (rc.lease_namespace.empty()) {
    rc.lease_namespace = renewer::DefaultLeaseNamespace(config_namespace);
  }
  SystemClock clock;
  renewer::KubeClientApi api(*client);
  renewer::KubeActuator actuator(api, rc.identity);
  renewer::HttpStateReader reader(rc.state_url);
  renewer::Engine engine(rc, std::move(*selector), rc.dry_run, clock, actuator, metrics, logger);
  renewer::LeaseOptions lease_opts{
      rc.lease_namespace, rc.lease_name, rc.identity,
      std::chrono::duration_cast<std::chrono::seconds>(rc.lease_duration)};
  if (lease_opts.duration.count() < 1) lease_opts.duration = std::chrono::seconds(1);
  renewer::LeaderElector elector(api, clock, lease_opts, logger);
  // Dry-run writes nothing, not even the Lease: every dry-run replica reports on its own.
  renewer::LeaderElector* elector_ptr = rc.dry_run ? nullptr : &elector;
  // Renew well inside the lease duration (client-go renews at 2/3 of it at the latest).
  auto tick =
      std::max(std::chrono::milliseconds(500),
               std::chrono::duration_cast<std::chrono::milliseconds>(rc.lease_duration) / 3);
  renewer::Runner runner(std::chrono::duration_cast<std::chrono::milliseconds>(rc.interval), tick,
                         reader, engine, elector_ptr, metrics, logger);
  logger.Info("certwatch renew started",
              {{"version", CERTWATCH_VERSION},
               {"dry_run", rc.dry_run ? "true" : "false"},
               {"state_url", rc.state_url},
               {"identity", rc.identity},
               {"lease", rc.lease_namespace + "/" + rc.lease_name},
               {"listen_address", rc.listen_address},
               {"max_actions_per_hour", std::to_string(rc.max_actions_per_hour)}});
  runner.Run(stop);
  waiter.join();
  return rc_exit;
}

}  // namespace

void AddRenewCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("renew", "Run the auto-remediation renewer (sidecar)");
  auto flags = std::make_shared<RenewFlags>();
  cmd->add_option("--config", flags->config, "Config file (YAML; the renewer: section)")
      ->required();
  cmd->add_option("--kubeconfig", flags->kubeconfig,
                  "kubeconfig file (default: config, $KUBECONFIG, in-cluster)");
  cmd->add_option("--state-url", flags->state_url,
                  "Exporter state API URL (overrides renewer.state_url)");
  cmd->add_flag("--dry-run", flags->dry_run, "Log and count actions, write nothing");
  cmd->add_option("--lease-name", flags->lease_name,
                  "Leader-election Lease name; overrides renewer.lease_name (one per shard)");
  cmd->add_option("--log.level", flags->log_level, "debug, info, warn or error")
      ->capture_default_str();
  cmd->add_option("--log.format", flags->log_format, "logfmt or json")->capture_default_str();
  cmd->callback([flags, &exit_code] { exit_code = RunRenew(*flags); });
}

}  // namespace certwatch
