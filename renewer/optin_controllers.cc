// The two opt-in remediations, each off unless its renewer key is true.
//  - invalid secret: a certificate not Ready for renewer.not_ready_after whose Secret holds an
//    unreadable or expired certificate (or that cert-manager calls invalid) gets its Secret
//    deleted; cert-manager then issues into a fresh one (the seed's "force re-issuance by
//    deleting the secret", with its caution left to the guards).
//  - stale workload: a Ready certificate whose endpoint has served another certificate than
//    the Secret's for renewer.stale_workload_after gets each workload listed for it in
//    renewer.restart_workloads restarted with the annotation `kubectl rollout restart` sets.
#include <algorithm>
#include <array>

#include "renewer/controller.h"

namespace certwatch::renewer {
namespace {

// Ready=False reasons of cert-manager's readiness policies that mean "the Secret is bad".
constexpr std::array<std::string_view, 4> kInvalidSecretReasons = {
    "InvalidKeyPair", "InvalidCertificate", "MissingData", "Expired"};

class InvalidSecretController final : public Controller {
 public:
  std::string_view Name() const override { return "invalid_secret"; }

  std::vector<PlannedAction> ProcessItem(const ControllerContext& ctx,
                                         const CertificateState& cert) const override {
    if (cert.secret_name.empty() || cert.ready.status != "False") return {};
    if (cert.ready.last_transition <= 0) return {};
    auto not_ready_for = ctx.now - TimePoint{std::chrono::seconds(cert.ready.last_transition)};
    if (not_ready_for <= ctx.config.not_ready_after) return {};

    std::string why;
    auto it = ctx.snapshot.data.secrets.find(ObjectKey(cert.ns, cert.secret_name));
    if (it != ctx.snapshot.data.secrets.end()) {
      const SecretCertState& s = it->second;
      if (!s.error.empty()) {
        why = "tls.crt does not parse: " + s.error;
      } else if (s.facts.not_after > 0 && s.facts.not_after <= ToUnix(ctx.now)) {
        why =
            "tls.crt expired at " + FormatTime(TimePoint{std::chrono::seconds(s.facts.not_after)});
      }
    }
    if (why.empty() && std::find(kInvalidSecretReasons.begin(), kInvalidSecretReasons.end(),
                                 cert.ready.reason) != kInvalidSecretReasons.end()) {
      why = "Ready=False reason " + cert.ready.reason;
    }
    if (why.empty()) return {};

    PlannedAction a;
    a.kind = ActionKind::kDeleteSecret;
    a.certificate = ObjectKey(cert.ns, cert.name);
    a.target = ObjectRef{"v1", "Secret", cert.ns, cert.secret_name};
    a.event_object = CertificateRef(cert.ns, cert.name);
    a.trigger = trigger::kSecretInvalid;
    a.message = "deleted Secret " + cert.secret_name + " (not Ready for " +
                FormatAge(not_ready_for) + "; " + why + ")";
    return {a};
  }
};

class StaleWorkloadController final : public Controller {
 public:
  std::string_view Name() const override { return "stale_workload"; }

  std::vector<PlannedAction> ProcessItem(const ControllerContext& ctx,
                                         const CertificateState& cert) const override {
    // Only when the Secret is right: restarting cannot help a workload serve a bad Secret.
    if (cert.ready.status != "True") return {};
    const std::string key = ObjectKey(cert.ns, cert.name);
    const TlsProbeResult* stale = nullptr;
    for (const auto& [_, probe] : ctx.snapshot.data.tls) {
      if (probe.certificate != key || !probe.matches_stored || *probe.matches_stored) continue;
      if (probe.mismatch_since <= 0) continue;
      auto since = TimePoint{std::chrono::seconds(probe.mismatch_since)};
      if (ctx.now - since < ctx.config.stale_workload_after) continue;
      stale = &probe;
      break;
    }
    if (!stale) return {};
    auto since = TimePoint{std::chrono::seconds(stale->mismatch_since)};

    std::vector<PlannedAction> out;
    for (const RestartWorkloadConfig& w : ctx.config.restart_workloads) {
      if (w.certificate != key) continue;
      PlannedAction a;
      a.kind = ActionKind::kRestartWorkload;
      a.certificate = key;
      a.target = ObjectRef{"apps/v1", w.kind, cert.ns, w.name};
      a.event_object = a.target;
      a.trigger = trigger::kServingStale;
      a.message = "restarted " + w.kind + " " + w.name + ": " + stale->target +
                  " serves another certificate than Secret " + cert.secret_name + " since " +
                  FormatTime(since);
      // A restart does not touch issuance.
      a.exempt_rate_limit = true;
      a.exempt_backoff = true;
      a.exempt_propagation = true;
      out.push_back(std::move(a));
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Controller> NewInvalidSecretController() {
  return std::make_unique<InvalidSecretController>();
}
std::unique_ptr<Controller> NewStaleWorkloadController() {
  return std::make_unique<StaleWorkloadController>();
}

}  // namespace certwatch::renewer
