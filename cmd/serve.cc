// `certwatch serve`: the exporter's composition root. Builds the logger, clock, state store,
// sources and web server; SIGTERM/SIGINT stop it gracefully; SIGHUP and POST /-/reload re-read
// the config, keeping the old one when the new one is invalid.
#include <pthread.h>
#include <signal.h>

#include <ctime>
#include <iostream>
#include <memory>
#include <mutex>

#include "cmd/commands.h"
#include "cmd/sources.h"
#include "cmd/startup.h"
#include "cmd/web_options.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/shard.h"
#include "config/config.h"
#include "exporter/web/server.h"
#include "state/state.h"

namespace certwatch {
namespace {

struct ServeFlags {
  std::string config;
  std::string kubeconfig;
  std::string listen_address;
  std::string web_config_file;
  std::string log_level = "info";
  std::string log_format = "logfmt";
  std::string shard = "0/1";
};

// The running exporter: the current config and the sources built from it.
class Exporter {
 public:
  Exporter(const ServeFlags& flags, Shard shard, const Logger& logger)
      : flags_(flags), shard_(shard), logger_(logger) {}
  ~Exporter() { StopSources(); }

  void Init(std::shared_ptr<const Config> config) {
    std::lock_guard lock(reload_mu_);
    SetConfig(std::move(config));
    store_.Update([&](StateData& d) {
      d.config_reload.last_successful = true;
      d.config_reload.last_success = NowUnix();
    });
    StartSources();
  }

  // Re-reads the config file; on error the running config and sources stay.
  Status Reload() {
    std::lock_guard lock(reload_mu_);
    auto loaded = LoadConfigFile(flags_.config);
    if (!loaded) {
      logger_.Error("config reload failed, keeping the running config",
                    {{"file", flags_.config}, {"err", loaded.error().message}});
      store_.Update([&](StateData& d) {
        d.config_reload.last_successful = false;
        ++d.config_reload.failures_total;
        d.config_reload.last_error = loaded.error().message;
      });
      return loaded.error();
    }
    StopSources(/*forget=*/true);
    SetConfig(std::make_shared<const Config>(std::move(*loaded)));
    StartSources();
    store_.Update([&](StateData& d) {
      d.config_reload.last_successful = true;
      d.config_reload.last_success = NowUnix();
      d.config_reload.last_error.clear();
    });
    logger_.Info("config reloaded", {{"file", flags_.config}});
    return OkStatus();
  }

  std::shared_ptr<const Config> config() const {
    std::lock_guard lock(config_mu_);
    return config_;
  }
  std::vector<std::string> readiness() const {
    std::lock_guard lock(config_mu_);
    return readiness_;
  }
  StateStore& store() { return store_; }
  const Clock& clock() const { return clock_; }

 private:
  UnixSeconds NowUnix() const { return static_cast<UnixSeconds>(clock_.NowSeconds()); }

  void SetConfig(std::shared_ptr<const Config> config) {
    std::vector<std::string> readiness = ReadinessSources(*config);
    std::lock_guard lock(config_mu_);
    config_ = std::move(config);
    readiness_ = std::move(readiness);
  }

  void StartSources() {
    std::shared_ptr<const Config> config = this->config();
    SourceDeps deps{*config, store_, logger_, clock_, shard_, flags_.kubeconfig};
    sources_ = MakeSources(deps);
    sources_config_ = config;  // sources may keep references into it
    for (auto& s : sources_) {
      logger_.Info("starting source", {{"source", std::string(s->Name())}});
      s->Start();
    }
  }

  // With `forget`, each source then drops what it wrote (a reload rebuilds it), so objects of
  // a source or pattern removed from the config do not linger as stale series.
  void StopSources(bool forget = false) {
    for (auto it = sources_.rbegin(); it != sources_.rend(); ++it) {
      logger_.Info("stopping source", {{"source", std::string((*it)->Name())}});
      (*it)->Stop();
    }
    if (forget) {
      store_.Update([&](StateData& d) {
        for (const auto& s : sources_) s->Forget(d);
      });
    }
    sources_.clear();
    sources_config_.reset();
  }

  const ServeFlags& flags_;
  Shard shard_;
  const Logger& logger_;
  SystemClock clock_;
  StateStore store_;
  mutable std::mutex config_mu_;
  std::shared_ptr<const Config> config_;
  std::vector<std::string> readiness_;
  std::mutex reload_mu_;  // one reload at a time (SIGHUP and POST /-/reload)
  std::vector<std::unique_ptr<Source>> sources_;
  std::shared_ptr<const Config> sources_config_;
};

int RunServe(const ServeFlags& flags) {
  auto shard = Shard::Parse(flags.shard);
  if (!shard) {
    std::cerr << "certwatch serve: --shard: " << shard.error().message << "\n";
    return 2;
  }
  auto start = StartCommand("serve", flags.log_level, flags.log_format, flags.config);
  if (!start) return 2;
  Config config = std::move(start->config);
  if (!flags.listen_address.empty()) config.web.listen_address = flags.listen_address;
  if (!flags.web_config_file.empty()) config.web.config_file = flags.web_config_file;
  auto web_options = WebServerOptionsFor(config.web);
  if (!web_options) {
    std::cerr << web_options.error().message << "\n";
    return 2;
  }

  Logger logger(std::cerr, start->level, start->format);
  // Signals go to the loop below only: blocked here, before any thread starts, so every
  // thread inherits the mask and sigtimedwait receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  for (const auto& adjusted : config.adjusted_defaults) {
    logger.Info("default adjusted to the config", {{"value", adjusted}});
  }
  // The listen address and web config apply at start; a reload changes everything else.
  Exporter exporter(flags, *shard, logger);
  exporter.Init(std::make_shared<const Config>(config));

  WebContext web{exporter.store(),
                 exporter.clock(),
                 logger,
                 [&exporter] { return exporter.config(); },
                 [&exporter] { return exporter.readiness(); },
                 [&exporter] { return exporter.Reload(); }};
  auto server = WebServer::Start(*web_options, web);
  if (!server) {
    // Unreadable TLS files, a bad client CA or a busy address: configuration, exit 2.
    logger.Error("cannot start the web server", {{"err", server.error().message}});
    return 2;
  }
  logger.Info("certwatch serve started", {{"version", CERTWATCH_VERSION},
                                          {"listen_address", web_options->listen_address},
                                          {"tls", web_options->tls ? "true" : "false"},
                                          {"shard", shard->ToString()}});

  while (true) {
    timespec timeout{1, 0};
    int sig = sigtimedwait(&signals, nullptr, &timeout);
    if (sig == SIGHUP) {
      logger.Info("SIGHUP: reloading config");
      (void)exporter.Reload();
    } else if (sig == SIGTERM || sig == SIGINT) {
      logger.Info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
      break;
    }
  }
  (*server)->Stop();
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("serve", "Run the Prometheus exporter");
  auto flags = std::make_shared<ServeFlags>();
  cmd->add_option("--config", flags->config, "Config file (YAML)")->required();
  cmd->add_option("--kubeconfig", flags->kubeconfig,
                  "kubeconfig file (default: config, $KUBECONFIG, in-cluster)");
  cmd->add_option("--web.listen-address", flags->listen_address,
                  "Address to listen on (overrides web.listen_address)");
  cmd->add_option("--web.config.file", flags->web_config_file,
                  "exporter-toolkit web config: TLS and basic auth (overrides web.config_file)");
  cmd->add_option("--log.level", flags->log_level, "debug, info, warn or error")
      ->capture_default_str();
  cmd->add_option("--log.format", flags->log_format, "logfmt or json")->capture_default_str();
  cmd->add_option("--shard", flags->shard, "This replica's shard i/n")->capture_default_str();
  cmd->callback([flags, &exit_code] { exit_code = RunServe(*flags); });
}

}  // namespace certwatch
