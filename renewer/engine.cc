#include "renewer/engine.h"

#include "common/strings.h"

namespace certwatch::renewer {

Engine::Engine(const RenewerConfig& config, Selector selector, bool dry_run, const Clock& clock,
               Actuator& actuator, RenewerMetrics& metrics, const Logger& log)
    : config_(config),
      selector_(std::move(selector)),
      dry_run_(dry_run),
      clock_(clock),
      actuator_(actuator),
      metrics_(metrics),
      log_(log),
      controllers_(NewControllers(config)),
      chain_(NewActionGuardChain()),
      budget_(config.max_actions_per_hour) {}

CycleStats Engine::RunCycle(const Snapshot& snapshot, bool leader) {
  CycleStats stats;
  const TimePoint now = clock_.Now();
  if (snapshot.generated_at > 0) {
    metrics_.SetStateAge(
        std::chrono::duration<double>(now - TimePoint{std::chrono::seconds(snapshot.generated_at)})
            .count());
  }
  ControllerContext cctx{snapshot, now, config_};
  GuardContext gctx{snapshot, now, config_, dry_run_, leader, selector_, budget_, cooldowns_};

  for (const auto& [key, cert] : snapshot.data.certificates) {
    // Out-of-scope certificates are not even planned for (nor counted).
    if (!selector_.Matches(cert.ns, cert.labels)) continue;
    for (const auto& controller : controllers_) {
      for (const PlannedAction& action : controller->ProcessItem(cctx, cert)) {
        ++stats.planned;
        const ActionName name = NameOf(action.kind);
        auto verdict = Evaluate(chain_, gctx, cert, action);
        if (verdict && verdict->reason != reason::kDryRun) {
          ++stats.blocked[verdict->reason];
          if (verdict->reason == reason::kNotLeader) continue;  // followers stay silent
          metrics_.CountAction(name.snake, SnakeCase(verdict->reason), dry_run_);
          log_.Debug("action blocked", {{"action", std::string(name.camel)},
                                        {"certificate", key},
                                        {"target", action.target.kind + " " + action.target.Key()},
                                        {"trigger", action.trigger},
                                        {"reason", verdict->reason},
                                        {"why", verdict->message}});
          continue;
        }
        // Dry-run spends budget and cooldown like a real action, so its log and counters
        // show exactly what a real run would do.
        budget_.Spend(now);
        cooldowns_.Record(action.certificate, now);
        if (verdict) {
          ++stats.dry_run;
          metrics_.CountAction(name.snake, "dry_run", true);
          log_.Info("dry run: would act",
                    {{"action", std::string(name.camel)},
                     {"certificate", key},
                     {"target", action.target.kind + " " + action.target.Key()},
                     {"trigger", action.trigger},
                     {"detail", action.message}});
          continue;
        }
        Run(action, now, stats);
      }
    }
  }
  metrics_.SetBudgetRemaining(budget_.Remaining(now));
  if (stats.planned > 0) {
    std::vector<std::string> blocked_counts;  // "reason=count"
    for (const auto& [r, n] : stats.blocked) blocked_counts.push_back(r + "=" + std::to_string(n));
    const std::string blocked = Join(blocked_counts, ",");
    log_.Info("cycle", {{"planned", std::to_string(stats.planned)},
                        {"executed", std::to_string(stats.executed)},
                        {"failed", std::to_string(stats.failed)},
                        {"dry_run", std::to_string(stats.dry_run)},
                        {"blocked", blocked.empty() ? "none" : blocked},
                        {"budget_remaining", std::to_string(budget_.Remaining(now))}});
  }
  return stats;
}

void Engine::Run(const PlannedAction& action, TimePoint now, CycleStats& stats) {
  const ActionName name = NameOf(action.kind);
  const std::string target = action.target.kind + " " + action.target.Key();
  Status st = actuator_.Execute(action, now);
  std::string event_message;
  std::string_view event_type;
  if (st) {
    ++stats.executed;
    metrics_.CountAction(name.snake, "success", false);
    log_.Info("action", {{"action", std::string(name.camel)},
                         {"certificate", action.certificate},
                         {"target", target},
                         {"trigger", action.trigger},
                         {"detail", action.message}});
    event_message = "certwatch renewer (" + action.trigger + "): " + action.message;
    event_type = "Normal";
  } else {
    ++stats.failed;
    metrics_.CountAction(name.snake, "error", false);
    log_.Error("action failed", {{"action", std::string(name.camel)},
                                 {"certificate", action.certificate},
                                 {"target", target},
                                 {"trigger", action.trigger},
                                 {"err", st.error().message}});
    event_message = "certwatch renewer (" + action.trigger + ") failed: " + st.error().message;
    event_type = "Warning";
  }
  Status ev = actuator_.RecordEvent(
      EventRecord{action.event_object, std::string(name.camel), std::move(event_message),
                  std::string(event_type), action.certificate, std::string(name.snake)},
      now);
  if (!ev) {
    log_.Warn("recording event failed", {{"action", std::string(name.camel)},
                                         {"object", action.event_object.Key()},
                                         {"err", ev.error().message}});
  }
}

}  // namespace certwatch::renewer
