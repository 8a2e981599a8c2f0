// One cert-manager model, three readers: for each situation (objects as the API returns them,
// decoded by the real decoders) the exporter's classification and next retry, the verdict of
// `status certificate` (gathered through its ClusterReader) and the renewer's decision (its
// engine over the state API document the exporter serves) are computed through their real
// entry points, and must agree with the table and with each other.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "diagnose/gather.h"
#include "diagnose/verdict.h"
#include "exporter/kube/classify.h"
#include "exporter/kube/decode.h"
#include "renewer/engine.h"
#include "renewer/state_reader.h"
#include "state/state_api.h"

namespace certwatch {
namespace {

using nlohmann::json;

constexpr UnixSeconds kNow = 1795780800;  // 2026-11-27T12:00:00Z
constexpr int64_t kMin = 60, kHour = 3600, kDay = 86400;

std::string Ts(UnixSeconds t) { return FormatRfc3339(t); }

json Meta(const std::string& name, UnixSeconds created, json extra = json::object()) {
  json m = {{"name", name},
            {"namespace", "shop"},
            {"creationTimestamp", Ts(created)},
            {"uid", "uid-" + name},
            {"resourceVersion", "1"}};
  m.update(extra);
  return m;
}

json Owner(const std::string& kind, const std::string& name) {
  return json::array({{{"apiVersion", "cert-manager.io/v1"},
                       {"kind", kind},
                       {"name", name},
                       {"uid", "uid-" + name},
                       {"controller", true}}});
}

json Cond(const std::string& type, const std::string& status, const std::string& reason,
          const std::string& message, UnixSeconds since) {
  return {{"type", type},
          {"status", status},
          {"reason", reason},
          {"message", message},
          {"lastTransitionTime", Ts(since)},
          {"observedGeneration", 1}};
}

const json kIssuerRef = {
    {"name", "letsencrypt-prod"}, {"kind", "ClusterIssuer"}, {"group", "cert-manager.io"}};

// A Certificate issued 60 days ago at revision 3, Ready, renewal in 10 days.
json Certificate() {
  return {
      {"apiVersion", "cert-manager.io/v1"},
      {"kind", "Certificate"},
      {"metadata", Meta("web", kNow - 90 * kDay, {{"generation", 1}})},
      {"spec",
       {{"secretName", "web-tls"}, {"dnsNames", {"web.example.com"}}, {"issuerRef", kIssuerRef}}},
      {"status",
       {{"conditions",
         {Cond("Ready", "True", "Ready", "Certificate is up to date and has not expired",
               kNow - 60 * kDay)}},
        {"notBefore", Ts(kNow - 60 * kDay)},
        {"notAfter", Ts(kNow + 30 * kDay)},
        {"renewalTime", Ts(kNow + 10 * kDay)},
        {"revision", 3}}}};
}

json Issuer(const std::string& status = "True", const std::string& reason = "ACMEAccountRegistered",
            const std::string& message = "The ACME account was registered with the ACME server") {
  return {
      {"apiVersion", "cert-manager.io/v1"},
      {"kind", "ClusterIssuer"},
      {"metadata", {{"name", "letsencrypt-prod"}, {"creationTimestamp", Ts(kNow - 400 * kDay)}}},
      {"spec",
       {{"acme",
         {{"server", "https://acme-v02.api.letsencrypt.org/directory"},
          {"email", "ops@example.com"}}}}},
      {"status", {{"conditions", {Cond("Ready", status, reason, message, kNow - 400 * kDay)}}}}};
}

json Request(const std::string& name, int revision, UnixSeconds created, json conditions) {
  json status = {{"conditions", std::move(conditions)}};
  return {{"apiVersion", "cert-manager.io/v1"},
          {"kind", "CertificateRequest"},
          {"metadata", Meta(name, created,
                            {{"annotations",
                              {{"cert-manager.io/certificate-name", "web"},
                               {"cert-manager.io/certificate-revision", std::to_string(revision)},
                               {"cert-manager.io/private-key-secret-name", "web-tls-xyz"}}},
                             {"ownerReferences", Owner("Certificate", "web")}})},
          {"spec", {{"issuerRef", kIssuerRef}, {"request", "LS0tLS1CRUdJTi..."}}},
          {"status", std::move(status)}};
}

json Approved(UnixSeconds since) {
  return Cond("Approved", "True", "cert-manager.io",
              "Certificate request has been approved by "
              "cert-manager.io",
              since);
}
json PendingReady(const std::string& order, UnixSeconds since) {
  return Cond("Ready", "False", "Pending",
              "Waiting on certificate issuance from order shop/" + order + ": \"pending\"", since);
}

json Order(const std::string& name, const std::string& request, UnixSeconds created,
           const std::string& state, const std::string& reason = "") {
  json status = {{"state", state}};
  if (!reason.empty()) status["reason"] = reason;
  return {{"apiVersion", "acme.cert-manager.io/v1"},
          {"kind", "Order"},
          {"metadata",
           Meta(name, created, {{"ownerReferences", Owner("CertificateRequest", request)}})},
          {"spec", {{"issuerRef", kIssuerRef}, {"dnsNames", {"web.example.com"}}}},
          {"status", std::move(status)}};
}

json Challenge(const std::string& name, const std::string& order, UnixSeconds created,
               const std::string& state, const std::string& reason,
               const std::string& type = "DNS-01") {
  return {
      {"apiVersion", "acme.cert-manager.io/v1"},
      {"kind", "Challenge"},
      {"metadata", Meta(name, created, {{"ownerReferences", Owner("Order", order)}})},
      {"spec",
       {{"type", type}, {"dnsName", "web.example.com"}, {"key", "k3y"}, {"issuerRef", kIssuerRef}}},
      {"status",
       {{"presented", true},
        {"processing", state == "pending"},
        {"state", state},
        {"reason", reason}}}};
}

// Sets one condition of the Certificate (replacing one of the same type).
void SetCondition(json& cert, json cond) {
  auto& conds = cert["status"]["conditions"];
  for (auto& c : conds) {
    if (c["type"] == cond["type"]) {
      c = std::move(cond);
      return;
    }
  }
  conds.push_back(std::move(cond));
}

// A renewal in flight: Ready False, Issuing True.
void Issuing(json& cert, UnixSeconds since = kNow - 20 * kMin) {
  SetCondition(cert, Cond("Ready", "False", "Issuing",
                          "Issuing certificate as Secret was previously "
                          "issued by ClusterIssuer.cert-manager.io/letsencrypt-prod",
                          since));
  SetCondition(cert, Cond("Issuing", "True", "Renewing",
                          "Renewing certificate as renewal was "
                          "scheduled at " +
                              Ts(kNow - kHour),
                          since));
}

void LastFailure(json& cert, UnixSeconds at, std::optional<int> attempts) {
  cert["status"]["lastFailureTime"] = Ts(at);
  if (attempts) cert["status"]["failedIssuanceAttempts"] = *attempts;
}

struct Situation {
  json certificate = Certificate();
  std::optional<json> issuer = Issuer();
  std::vector<json> objects;  // CertificateRequests, Orders, Challenges
};

// The objects, decoded as the Kubernetes source and `status` decode them.
struct Decoded {
  CertificateState certificate;
  std::optional<IssuerState> issuer;
  std::vector<CertificateRequestState> requests;
  std::vector<OrderState> orders;
  std::vector<ChallengeState> challenges;
};

template <typename T, typename F>
T DecodeJson(const json& object, F decode) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string text(object.dump());
  auto doc = parser.iterate(text);
  T out;
  DecodeOutput d;
  decode(doc.get_object().value(), out, d);
  EXPECT_EQ(d.warning, "") << object.dump();
  return out;
}

Decoded Decode(const Situation& s) {
  Decoded d;
  d.certificate = DecodeJson<CertificateState>(s.certificate, &DecodeCertificate);
  if (s.issuer) {
    d.issuer = DecodeJson<IssuerState>(*s.issuer, &DecodeIssuer);
    d.issuer->kind = "ClusterIssuer";
  }
  for (const auto& o : s.objects) {
    if (o["kind"] == "CertificateRequest") {
      d.requests.push_back(DecodeJson<CertificateRequestState>(o, &DecodeCertificateRequest));
    } else if (o["kind"] == "Order") {
      d.orders.push_back(DecodeJson<OrderState>(o, &DecodeOrder));
    } else if (o["kind"] == "Challenge") {
      d.challenges.push_back(DecodeJson<ChallengeState>(o, &DecodeChallenge));
    }
  }
  return d;
}

// The exporter: the store as the Kubernetes source fills it, classified.
StateData ExporterState(const Decoded& d) {
  StateData s;
  s.certificates["shop/web"] = d.certificate;
  if (d.issuer) s.issuers["ClusterIssuer/letsencrypt-prod"] = *d.issuer;
  for (const auto& r : d.requests) s.requests["shop/" + r.name] = r;
  for (const auto& o : d.orders) s.orders["shop/" + o.name] = o;
  for (const auto& c : d.challenges) s.challenges["shop/" + c.name] = c;
  s.sources["kubernetes"].up = true;
  s.sources["kubernetes"].synced = true;
  ClassifyAll(s, kNow, ClassifyOptions{});
  return s;
}

// `status certificate`'s view of the cluster: the same objects, listed live.
class SituationCluster final : public ClusterReader {
 public:
  explicit SituationCluster(const Decoded& d) : d_(d) {}
  Result<std::optional<CertificateState>> Certificate(const std::string&,
                                                      const std::string&) override {
    return std::optional<CertificateState>(d_.certificate);
  }
  Result<std::optional<IssuerState>> Issuer(const std::string&, const IssuerRef&) override {
    return d_.issuer;
  }
  // The Secret holds what the Certificate's status says was issued (none before the first
  // issuance): these situations are about issuance, not about a lost Secret.
  Result<std::optional<SecretCertState>> Secret(const std::string&, const std::string&) override {
    if (!d_.certificate.not_after) return std::optional<SecretCertState>();
    SecretCertState s;
    s.ns = "shop";
    s.name = d_.certificate.secret_name;
    s.facts.serial = "0A1B";
    s.facts.fingerprint_sha256 = "aa11";
    s.facts.subject = "CN=web.example.com";
    s.facts.dns_names = d_.certificate.dns_names.ToVector();
    s.facts.not_before = d_.certificate.not_before.value_or(0);
    s.facts.not_after = *d_.certificate.not_after;
    return std::optional<SecretCertState>(s);
  }
  Result<std::vector<CertificateRequestState>> Requests(const std::string&) override {
    return d_.requests;
  }
  Result<std::vector<OrderState>> Orders(const std::string&) override { return d_.orders; }
  Result<std::vector<ChallengeState>> Challenges(const std::string&) override {
    return d_.challenges;
  }
  Result<std::vector<IngressState>> Ingresses(const std::string&) override {
    return std::vector<IngressState>();
  }
  Result<std::vector<KubeEvent>> Events(const std::string&, const std::string&,
                                        const std::string&) override {
    return std::vector<KubeEvent>();
  }

 private:
  const Decoded& d_;
};

// The renewer's decision: what it wrote (action names) and what its guards stopped.
std::string RenewerDecision(const StateData& exported) {
  auto snapshot = renewer::ParseSnapshot(StateToJson(exported, {"kubernetes"}, kNow));
  EXPECT_TRUE(snapshot.has_value()) << snapshot.error().message;
  if (!snapshot) return "unreadable";
  RenewerConfig config;
  config.enabled = true;
  config.dry_run = false;
  config.fallback_issuers = {{{"letsencrypt-prod", "ClusterIssuer", "cert-manager.io"},
                              {"zerossl-prod", "ClusterIssuer", "cert-manager.io"}}};
  FakeClock clock(kNow);
  struct Recorder final : renewer::Actuator {
    Status Execute(const renewer::PlannedAction& a, renewer::TimePoint) override {
      done.push_back(std::string(renewer::NameOf(a.kind).snake));
      return OkStatus();
    }
    Status RecordEvent(const renewer::EventRecord&, renewer::TimePoint) override {
      return OkStatus();
    }
    std::vector<std::string> done;
  } actuator;
  std::ostringstream log_out;
  Logger log(log_out, LogLevel::kError);
  renewer::RenewerMetrics metrics(false);
  renewer::Engine engine(config, renewer::Selector::Parse({}, "").value(), false, clock, actuator,
                         metrics, log);
  renewer::CycleStats stats = engine.RunCycle(*snapshot, true);
  std::vector<std::string> parts = actuator.done;
  std::sort(parts.begin(), parts.end());
  for (const auto& [reason, n] : stats.blocked) parts.push_back("blocked:" + reason);
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : " ") + p;
  return out.empty() ? "none" : out;
}

struct Case {
  std::string name;
  std::function<void(Situation&)> build;
  std::string reason;                 // certwatch_certificate_failure_reason{reason}
  std::optional<int64_t> next_retry;  // seconds from now of the exported next retry
  std::string renewer;                // RenewerDecision
};

// The current request of revision 4 with its Order and one DNS-01 Challenge, all pending.
void PendingIssuance(Situation& s, const std::string& challenge_reason =
                                       "Waiting for DNS-01 challenge propagation: DNS record for "
                                       "\"web.example.com\" not yet propagated") {
  Issuing(s.certificate);
  s.objects.push_back(
      Request("web-4", 4, kNow - 20 * kMin,
              {Approved(kNow - 20 * kMin), PendingReady("web-4-1", kNow - 20 * kMin)}));
  s.objects.push_back(Order("web-4-1", "web-4", kNow - 19 * kMin, "pending"));
  s.objects.push_back(
      Challenge("web-4-1-77", "web-4-1", kNow - 19 * kMin, "pending", challenge_reason));
}

const std::string kLe429 =
    "Failed to create Order: 429 urn:ietf:params:acme:error:rateLimited: Error creating new order "
    ":: too many certificates already issued for exact set of domains: web.example.com: see "
    "https://letsencrypt.org/docs/rate-limits/";
const std::string kLeNewWording =
    "too many certificates (5) already issued for this exact set of identifiers in the last "
    "168h0m0s, retry after 2026-11-28 10:00:00 UTC: see "
    "https://letsencrypt.org/docs/rate-limits/#new-certificates-per-exact-set-of-identifiers";

std::vector<Case> Cases() {
  return {
      {"fresh_no_status_yet", [](Situation& s) { s.certificate.erase("status"); }, "unknown",
       std::nullopt, "none"},
      {"ready", [](Situation&) {}, "none", std::nullopt, "none"},
      {"ready_and_renewing_with_a_pending_challenge",
       [](Situation& s) {
         PendingIssuance(s);
         SetCondition(s.certificate, Cond("Ready", "True", "Ready", "Certificate is up to date",
                                          kNow - 60 * kDay));
       },
       "none", std::nullopt, "none"},
      {"overdue_nothing_issuing",
       [](Situation& s) { s.certificate["status"]["renewalTime"] = Ts(kNow - 3 * kHour); },
       "renewal_overdue", std::nullopt, "reissue"},
      {"overdue_within_the_grace",
       [](Situation& s) { s.certificate["status"]["renewalTime"] = Ts(kNow - 30 * kMin); }, "none",
       std::nullopt, "none"},
      {"expired",
       [](Situation& s) {
         s.certificate["status"]["notAfter"] = Ts(kNow - kDay);
         s.certificate["status"]["renewalTime"] = Ts(kNow - 31 * kDay);
         SetCondition(s.certificate,
                      Cond("Ready", "False", "Expired", "Certificate expired on " + Ts(kNow - kDay),
                           kNow - kDay));
       },
       "expired", std::nullopt, "reissue"},
      {"not_ready_for_ten_minutes",
       [](Situation& s) {
         SetCondition(s.certificate,
                      Cond("Ready", "False", "DoesNotExist",
                           "Issuing certificate as Secret does not exist", kNow - 10 * kMin));
       },
       "not_ready", std::nullopt, "none"},
      {"not_ready_for_two_hours",
       [](Situation& s) {
         SetCondition(s.certificate,
                      Cond("Ready", "False", "DoesNotExist",
                           "Issuing certificate as Secret does not exist", kNow - 2 * kHour));
       },
       "not_ready", std::nullopt, "reissue"},
      {"status_without_a_ready_condition",
       [](Situation& s) { s.certificate["status"].erase("conditions"); }, "unknown", std::nullopt,
       "none"},
      {"rate_limited_order_429",
       [](Situation& s) {
         Issuing(s.certificate);
         s.objects.push_back(
             Request("web-4", 4, kNow - 20 * kMin,
                     {Approved(kNow - 20 * kMin), PendingReady("web-4-1", kNow - 20 * kMin)}));
         s.objects.push_back(Order("web-4-1", "web-4", kNow - 19 * kMin, "errored", kLe429));
       },
       "rate_limited", std::nullopt, "switch_issuer"},
      {"rate_limited_on_the_request_after_the_order_is_gone",
       [](Situation& s) {
         Issuing(s.certificate);
         s.objects.push_back(Request(
             "web-4", 4, kNow - 20 * kMin,
             {Approved(kNow - 20 * kMin), Cond("Ready", "False", "Failed",
                                               "Failed to wait for order resource \"web-4-1\" to "
                                               "become ready: order is in \"errored\" state: " +
                                                   kLe429,
                                               kNow - 5 * kMin)}));
       },
       "rate_limited", std::nullopt, "switch_issuer"},
      {"rate_limited_new_wording_only_on_issuing",
       [](Situation& s) {
         SetCondition(s.certificate, Cond("Issuing", "False", "Failed",
                                          "The certificate request has failed to complete and will "
                                          "be retried: " +
                                              kLeNewWording,
                                          kNow - 30 * kMin));
         LastFailure(s.certificate, kNow - 30 * kMin, 1);
       },
       "rate_limited", 30 * kMin, "switch_issuer"},
      {"rate_limited_failed_authorizations",
       [](Situation& s) {
         Issuing(s.certificate);
         s.objects.push_back(
             Request("web-4", 4, kNow - 20 * kMin,
                     {Approved(kNow - 20 * kMin), PendingReady("web-4-1", kNow - 20 * kMin)}));
         s.objects.push_back(
             Order("web-4-1", "web-4", kNow - 19 * kMin, "errored",
                   "Error creating new order :: too many failed authorizations "
                   "recently: see https://letsencrypt.org/docs/failed-validation-limit/"));
       },
       "rate_limited", std::nullopt, "switch_issuer"},
      {"rate_limited_while_expired",
       [](Situation& s) {
         s.certificate["status"]["notAfter"] = Ts(kNow - kDay);
         s.certificate["status"]["renewalTime"] = Ts(kNow - 31 * kDay);
         Issuing(s.certificate);
         s.objects.push_back(
             Request("web-4", 4, kNow - 20 * kMin,
                     {Approved(kNow - 20 * kMin), PendingReady("web-4-1", kNow - 20 * kMin)}));
         s.objects.push_back(Order("web-4-1", "web-4", kNow - 19 * kMin, "errored",
                                   "urn:ietf:params:acme:error:rateLimited"));
       },
       "rate_limited", std::nullopt, "switch_issuer"},
      {"request_denied_two_hours_ago",
       [](Situation& s) {
         Issuing(s.certificate, kNow - 2 * kHour);
         s.objects.push_back(Request("web-4", 4, kNow - 2 * kHour,
                                     {Cond("Denied", "True", "policy.cert-manager.io",
                                           "No policy approved this request", kNow - 2 * kHour),
                                      Cond("Ready", "False", "Denied",
                                           "The CertificateRequest was denied by an approval "
                                           "controller",
                                           kNow - 2 * kHour)}));
       },
       "request_denied", std::nullopt, "delete_certificate_request"},
      {"challenge_invalid_two_hours_ago",
       [](Situation& s) {
         Issuing(s.certificate, kNow - 2 * kHour);
         s.objects.push_back(
             Request("web-4", 4, kNow - 2 * kHour,
                     {Approved(kNow - 2 * kHour), PendingReady("web-4-1", kNow - 2 * kHour)}));
         s.objects.push_back(Order("web-4-1", "web-4", kNow - 2 * kHour, "invalid"));
         s.objects.push_back(Challenge("web-4-1-77", "web-4-1", kNow - 2 * kHour, "invalid",
                                       "Error accepting authorization: acme: authorization error "
                                       "for web.example.com: 403 urn:ietf:params:acme:error:"
                                       "unauthorized: Incorrect TXT record"));
       },
       "challenge_failed", std::nullopt, "delete_challenge"},
      {"challenge_pending_while_not_ready", [](Situation& s) { PendingIssuance(s); },
       "challenge_pending", std::nullopt, "none"},
      // The copies disagreed here: the exporter said challenge_pending, `status` renewal_overdue
      // (it ignored pending challenges of a Ready certificate).
      {"challenge_pending_while_ready_but_overdue",
       [](Situation& s) {
         PendingIssuance(s);
         SetCondition(s.certificate, Cond("Ready", "True", "Ready", "Certificate is up to date",
                                          kNow - 60 * kDay));
         s.certificate["status"]["renewalTime"] = Ts(kNow - 3 * kHour);
       },
       "challenge_pending", std::nullopt, "none"},
      {"failed_and_pending_challenges_name_the_failed_one",
       [](Situation& s) {
         PendingIssuance(s);
         s.objects.push_back(Challenge("web-4-1-99", "web-4-1", kNow - 19 * kMin, "invalid",
                                       "Error accepting authorization: 403 unauthorized",
                                       "HTTP-01"));
       },
       "challenge_failed", std::nullopt, "none"},
      {"order_failed_not_a_rate_limit",
       [](Situation& s) {
         Issuing(s.certificate);
         s.objects.push_back(
             Request("web-4", 4, kNow - 20 * kMin,
                     {Approved(kNow - 20 * kMin), PendingReady("web-4-1", kNow - 20 * kMin)}));
         s.objects.push_back(Order("web-4-1", "web-4", kNow - 19 * kMin, "errored",
                                   "Failed to finalize Order: 403 urn:ietf:params:acme:error:"
                                   "unauthorized: Account is not authorized"));
       },
       "order_failed", std::nullopt, "none"},
      {"request_failed_backoff_elapsed",
       [](Situation& s) {
         SetCondition(s.certificate, Cond("Ready", "False", "Failed",
                                          "The certificate request "
                                          "has failed to complete",
                                          kNow - 3 * kHour));
         SetCondition(s.certificate, Cond("Issuing", "False", "Failed",
                                          "The certificate request "
                                          "has failed to complete and will be retried: Vault "
                                          "returned 403",
                                          kNow - 2 * kHour));
         LastFailure(s.certificate, kNow - 2 * kHour, 1);
         s.objects.push_back(
             Request("web-4", 4, kNow - 3 * kHour,
                     {Approved(kNow - 3 * kHour),
                      Cond("Ready", "False", "Failed", "Vault returned 403", kNow - 2 * kHour)}));
       },
       "request_failed", -kHour, "delete_certificate_request blocked:Cooldown"},
      {"request_failed_inside_the_backoff",
       [](Situation& s) {
         SetCondition(s.certificate, Cond("Ready", "False", "Failed",
                                          "The certificate request "
                                          "has failed to complete",
                                          kNow - 3 * kHour));
         SetCondition(s.certificate, Cond("Issuing", "False", "Failed",
                                          "will be retried: Vault "
                                          "returned 403",
                                          kNow - 2 * kHour));
         LastFailure(s.certificate, kNow - 2 * kHour, 3);  // 4h
         s.objects.push_back(
             Request("web-4", 4, kNow - 3 * kHour,
                     {Approved(kNow - 3 * kHour),
                      Cond("Ready", "False", "Failed", "Vault returned 403", kNow - 2 * kHour)}));
       },
       "request_failed", 2 * kHour, "blocked:CertManagerBackoff"},
      {"issuance_failed_while_still_valid",
       [](Situation& s) {
         SetCondition(s.certificate, Cond("Issuing", "False", "Failed",
                                          "The certificate request "
                                          "has failed to complete and will be retried: Vault "
                                          "returned 403",
                                          kNow - 10 * kMin));
         LastFailure(s.certificate, kNow - 10 * kMin, 2);
       },
       "request_failed", 2 * kHour - 10 * kMin, "none"},
      {"issuer_not_ready",
       [](Situation& s) {
         Issuing(s.certificate);
         s.issuer = Issuer("False", "ErrRegisterACMEAccount",
                           "Failed to register ACME account: 400 urn:ietf:params:acme:error:"
                           "invalidContact: invalid contact email");
       },
       "issuer_not_ready", std::nullopt, "none"},
      {"issuer_missing_while_issuing",
       [](Situation& s) {
         Issuing(s.certificate);
         s.issuer.reset();
       },
       "issuer_not_ready", std::nullopt, "none"},
      {"issuer_missing_while_healthy", [](Situation& s) { s.issuer.reset(); }, "none", std::nullopt,
       "none"},
      // The copies disagreed here: the renewer's backoff ignored a failure without an attempt
      // count and re-issued at once; cert-manager (and the exporter, and `status`) wait 1h.
      {"overdue_failed_30m_ago_attempts_0",
       [](Situation& s) {
         s.certificate["status"]["renewalTime"] = Ts(kNow - 3 * kHour);
         LastFailure(s.certificate, kNow - 30 * kMin, 0);
       },
       "renewal_overdue", 30 * kMin, "blocked:CertManagerBackoff"},
      {"overdue_failed_30m_ago_attempts_absent",
       [](Situation& s) {
         s.certificate["status"]["renewalTime"] = Ts(kNow - 3 * kHour);
         LastFailure(s.certificate, kNow - 30 * kMin, std::nullopt);
       },
       "renewal_overdue", 30 * kMin, "blocked:CertManagerBackoff"},
      {"overdue_failed_2h_ago_attempts_1",
       [](Situation& s) {
         s.certificate["status"]["renewalTime"] = Ts(kNow - 3 * kHour);
         LastFailure(s.certificate, kNow - 2 * kHour, 1);
       },
       "renewal_overdue", -kHour, "reissue"},
      {"overdue_failed_10h_ago_attempts_5",
       [](Situation& s) {
         s.certificate["status"]["renewalTime"] = Ts(kNow - 3 * kHour);
         LastFailure(s.certificate, kNow - 10 * kHour, 5);  // 16h
       },
       "renewal_overdue", 6 * kHour, "blocked:CertManagerBackoff"},
      {"overdue_failed_20h_ago_attempts_9",
       [](Situation& s) {
         s.certificate["status"]["renewalTime"] = Ts(kNow - 3 * kHour);
         LastFailure(s.certificate, kNow - 20 * kHour, 9);  // capped at 32h
       },
       "renewal_overdue", 12 * kHour, "blocked:CertManagerBackoff"},
      {"requests_of_several_revisions_the_current_one_counts",
       [](Situation& s) {
         PendingIssuance(s);
         s.objects.push_back(Request(
             "web-2", 2, kNow - 120 * kDay,
             {Approved(kNow - 120 * kDay),
              Cond("Ready", "False", "Failed", "old failure: Vault sealed", kNow - 120 * kDay)}));
         s.objects.push_back(Request("web-3", 3, kNow - 60 * kDay,
                                     {Approved(kNow - 60 * kDay), Cond("Ready", "True", "Issued",
                                                                       "Certificate fetched from "
                                                                       "issuer successfully",
                                                                       kNow - 60 * kDay)}));
       },
       "challenge_pending", std::nullopt, "none"},
      {"status_revision_lags_behind_the_request",
       [](Situation& s) {
         Issuing(s.certificate);
         s.objects.push_back(
             Request("web-5", 5, kNow - 10 * kMin,
                     {Approved(kNow - 10 * kMin),
                      Cond("Ready", "False", "Failed", "Vault returned 403", kNow - 5 * kMin)}));
       },
       "request_failed", std::nullopt, "none"},
      {"newest_order_of_the_request_counts",
       [](Situation& s) {
         PendingIssuance(s);
         // An older Order of the same request failed; cert-manager made web-4-1 after it.
         s.objects.push_back(
             Order("web-4-0", "web-4", kNow - 30 * kMin, "invalid", "authorization failed"));
       },
       "challenge_pending", std::nullopt, "none"},
  };
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class Agreement : public ::testing::TestWithParam<Case> {};

TEST_P(Agreement, ExporterStatusAndRenewerReadTheSameModel) {
  const Case& c = GetParam();
  Situation s;
  c.build(s);
  Decoded d = Decode(s);

  // The exporter.
  StateData exported = ExporterState(d);
  const CertificateState& cert = exported.certificates.at("shop/web");
  EXPECT_EQ(ToString(cert.failure), c.reason) << cert.failure_message;
  auto next = NextRetryTime(cert);
  if (c.next_retry) {
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(*next - kNow, *c.next_retry);
  } else {
    EXPECT_FALSE(next.has_value()) << *next - kNow;
  }
  EXPECT_EQ(cert.acme_rate_limited, c.reason == "rate_limited");

  // `status certificate`, gathering the same objects itself (no probing).
  SituationCluster cluster(d);
  Config config;
  auto in = GatherDiagnosis(cluster, nullptr, config, "shop", "web");
  ASSERT_TRUE(in.has_value()) << in.error().message;
  Diagnosis diagnosis = Diagnose(*in, kNow);
  EXPECT_EQ(ToString(diagnosis.verdict.problem), c.reason) << diagnosis.verdict.Line();
  EXPECT_EQ(diagnosis.exit_code(), c.reason == "none" ? 0 : 1);
  if (c.next_retry) {
    ASSERT_TRUE(diagnosis.backoff.has_value());
    EXPECT_EQ(diagnosis.backoff->next_retry - kNow, *c.next_retry);
    EXPECT_EQ(diagnosis.backoff->active, *c.next_retry > 0);
  } else {
    EXPECT_FALSE(diagnosis.backoff.has_value());
  }

  // The renewer, over the state API document of that exporter.
  std::string decision = RenewerDecision(exported);
  EXPECT_EQ(decision, c.renewer);
  // What must hold whatever the table says: no new request while cert-manager backs off or the
  // ACME account is rate-limited.
  const bool backing_off = c.next_retry && *c.next_retry > 0;
  if (backing_off || c.reason == "rate_limited") {
    EXPECT_EQ(decision.find("reissue"), std::string::npos) << decision;
    EXPECT_EQ(decision.find("delete_certificate_request"), std::string::npos) << decision;
  }
}

INSTANTIATE_TEST_SUITE_P(Situations, Agreement, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

TEST(Agreement, TheTableHasAtLeastThirtySituations) { EXPECT_GE(Cases().size(), 30u); }

}  // namespace
}  // namespace certwatch
