#include "renewer/controller.h"

#include "common/duration.h"
#include "common/time.h"

namespace certwatch::renewer {

std::vector<std::unique_ptr<Controller>> NewControllers(const RenewerConfig& config) {
  std::vector<std::unique_ptr<Controller>> out;
  if (!config.fallback_issuers.empty()) out.push_back(NewIssuerFallbackController());
  out.push_back(NewStuckChallengeController());
  out.push_back(NewFailedRequestController());
  // Opted in and the Secret is demonstrably broken: deleting it is the remedy (cert-manager
  // issues into a fresh one); a status trigger first would only spend the cooldown.
  if (config.delete_invalid_secrets) out.push_back(NewInvalidSecretController());
  out.push_back(NewReissueController());
  if (config.restart_stale_workloads) out.push_back(NewStaleWorkloadController());
  return out;
}

std::string FormatTime(TimePoint t) { return FormatRfc3339(ToUnix(t)); }

std::string FormatAge(std::chrono::system_clock::duration d) {
  return FormatDuration(std::chrono::duration_cast<std::chrono::seconds>(d));
}

std::string IssuerString(const IssuerRef& ref) {
  return ref.kind + "." + ref.group + "/" + ref.name;
}

std::optional<IssuerRef> ParseIssuerString(std::string_view s) {
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view kind_group = s.substr(0, slash);
  size_t dot = kind_group.find('.');
  if (dot == std::string_view::npos || dot == 0 || slash + 1 >= s.size()) return std::nullopt;
  IssuerRef ref;
  ref.kind = std::string(kind_group.substr(0, dot));
  ref.group = std::string(kind_group.substr(dot + 1));
  ref.name = std::string(s.substr(slash + 1));
  return ref;
}

// Only "Z" as the zone: the renewer reads back what it wrote (the API server's form).
std::optional<UnixSeconds> ParseTime(std::string_view s) {
  if (s.empty() || s.back() != 'Z') return std::nullopt;
  return ParseRfc3339(s);
}

}  // namespace certwatch::renewer
