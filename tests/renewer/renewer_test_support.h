// Builders shared by the renewer's unit tests: a snapshot with certificates in chosen states, a
// fixed "now", and a fake Actuator that records what it was asked to do.
#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "renewer/actuator.h"
#include "renewer/snapshot.h"

namespace certwatch::renewer::testing {

// 2026-11-27T12:00:00Z
inline constexpr UnixSeconds kNow = 1795780800;
inline constexpr UnixSeconds kHour = 3600;

inline TimePoint At(UnixSeconds s) { return TimePoint{std::chrono::seconds(s)}; }

// A Ready certificate on ClusterIssuer letsencrypt-prod, renewal in the future.
inline CertificateState HealthyCert(const std::string& ns, const std::string& name) {
  CertificateState c;
  c.ns = ns;
  c.name = name;
  c.issuer = IssuerRef{"letsencrypt-prod", "ClusterIssuer", "cert-manager.io"};
  c.secret_name = name + "-tls";
  c.dns_names = {name + ".example.test"};
  c.generation = 3;
  c.not_before = kNow - 60 * 24 * kHour;
  c.not_after = kNow + 30 * 24 * kHour;
  c.renewal_time = kNow + 10 * 24 * kHour;
  c.ready = Condition{"True", "Ready", "Certificate is up to date and has not expired",
                      kNow - 60 * 24 * kHour, 3};
  c.revision = 2;
  return c;
}

// Renewal time passed `ago` seconds before kNow; Ready still True (cert-manager never started).
inline CertificateState OverdueCert(const std::string& ns, const std::string& name,
                                    UnixSeconds ago = 3 * kHour) {
  CertificateState c = HealthyCert(ns, name);
  c.renewal_time = kNow - ago;
  c.failure = FailureReason::kRenewalOverdue;
  return c;
}

inline Snapshot MakeSnapshot(std::vector<CertificateState> certs, bool synced = true,
                             UnixSeconds generated_at = kNow - 5) {
  Snapshot s;
  s.synced = synced;
  s.generated_at = generated_at;
  for (auto& c : certs) s.data.certificates[ObjectKey(c.ns, c.name)] = std::move(c);
  return s;
}

using RecordedEvent = EventRecord;

class FakeActuator final : public Actuator {
 public:
  Status Execute(const PlannedAction& action, TimePoint) override {
    executed.push_back(action);
    if (fail) return Error{"injected failure"};
    return OkStatus();
  }
  Status RecordEvent(const EventRecord& event, TimePoint) override {
    events.push_back(event);
    return OkStatus();
  }
  std::vector<PlannedAction> executed;
  std::vector<RecordedEvent> events;
  bool fail = false;
};

}  // namespace certwatch::renewer::testing
