// One small controller per remediation (cert-manager's shape: trigger/, readiness/, ... each
// decide one thing). A controller only decides: ProcessItem reads one certificate and the
// snapshot and returns the actions it would take, top to bottom with early returns. The guard
// chain (guards.h) and the engine (engine.h) decide whether and how they run.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "renewer/action.h"
#include "renewer/snapshot.h"

namespace certwatch::renewer {

struct ControllerContext {
  const Snapshot& snapshot;
  TimePoint now;
  const RenewerConfig& config;
};

class Controller {
 public:
  virtual ~Controller() = default;
  virtual std::string_view Name() const = 0;
  virtual std::vector<PlannedAction> ProcessItem(const ControllerContext& ctx,
                                                 const CertificateState& cert) const = 0;
};

// Trigger causes (CamelCase; in logs and Event messages).
namespace trigger {
inline constexpr std::string_view kRenewalOverdue = "RenewalOverdue";
inline constexpr std::string_view kNotReady = "NotReady";
inline constexpr std::string_view kChallengeFailed = "ChallengeFailed";
inline constexpr std::string_view kChallengeStuck = "ChallengeStuck";
inline constexpr std::string_view kRequestFailed = "RequestFailed";
inline constexpr std::string_view kRateLimited = "RateLimited";
inline constexpr std::string_view kFallbackExpired = "FallbackExpired";
inline constexpr std::string_view kSecretInvalid = "SecretInvalid";
inline constexpr std::string_view kServingStale = "ServingStale";
}  // namespace trigger

// Bookkeeping annotations written with an issuer switch, read back to switch back.
inline constexpr std::string_view kFallbackFromAnnotation = "certwatch.io/fallback-from";
inline constexpr std::string_view kFallbackAtAnnotation = "certwatch.io/fallback-at";

std::unique_ptr<Controller> NewReissueController();
std::unique_ptr<Controller> NewStuckChallengeController();
std::unique_ptr<Controller> NewFailedRequestController();
std::unique_ptr<Controller> NewIssuerFallbackController();
std::unique_ptr<Controller> NewInvalidSecretController();
std::unique_ptr<Controller> NewStaleWorkloadController();

// The enabled controllers in priority order: an issuer switch first (a rate limit blocks
// everything else), then clean-ups, the opt-in Secret deletion, re-issuance, and the opt-in
// workload restart last. The per-certificate cooldown lets one action per certificate run.
std::vector<std::unique_ptr<Controller>> NewControllers(const RenewerConfig& config);

// Formatting shared by the controllers' messages.
std::string FormatTime(TimePoint t);
std::string FormatAge(std::chrono::system_clock::duration d);
// "ClusterIssuer.cert-manager.io/letsencrypt-prod" (kubectl's Kind.group/name).
std::string IssuerString(const IssuerRef& ref);
std::optional<IssuerRef> ParseIssuerString(std::string_view s);
// RFC 3339 "2026-11-27T21:00:00Z" → unix seconds.
std::optional<UnixSeconds> ParseTime(std::string_view s);

}  // namespace certwatch::renewer
