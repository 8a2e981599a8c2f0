// The verdict of `certwatch status certificate` as a case table: each case starts from a
// healthy, fully gathered certificate, breaks one thing, and names the exact verdict line.
#include "diagnose/verdict.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "diagnose/render.h"

namespace certwatch {
namespace {

constexpr UnixSeconds kNow = 1795000000;  // 2026-11-18T11:06:40Z
constexpr int64_t kHour = 3600, kDay = 86400;
constexpr const char* kRunbooks = "https://example.test/runbooks.md";

DiagnoseInput Healthy() {
  DiagnoseInput in;
  in.ns = "shop";
  in.name = "web";
  in.runbook_base_url = kRunbooks;
  CertificateState& c = in.certificate;
  c.ns = "shop";
  c.name = "web";
  c.issuer = {"letsencrypt-prod", "ClusterIssuer", "cert-manager.io"};
  c.secret_name = "web-tls";
  c.dns_names = {"web.example.test"};
  c.revision = 3;
  c.not_before = kNow - 30 * kDay;
  c.not_after = kNow + 60 * kDay;     // 2027-01-17T11:06:40Z
  c.renewal_time = kNow + 30 * kDay;  // 2026-12-18T11:06:40Z
  c.ready = {"True", "Ready", "Certificate is up to date and has not expired", kNow - 30 * kDay, 1};

  IssuerState iss;
  iss.name = "letsencrypt-prod";
  iss.kind = "ClusterIssuer";
  iss.ready = {"True", "ACMEAccountRegistered", "The ACME account was registered", 0, 1};
  iss.acme_server = "https://acme-v02.api.letsencrypt.org/directory";
  in.issuer = iss;

  SecretCertState sec;
  sec.ns = "shop";
  sec.name = "web-tls";
  sec.facts.serial = "0A1B";
  sec.facts.fingerprint_sha256 = "aa11";
  sec.facts.subject = "CN=web.example.test";
  sec.facts.dns_names = {"web.example.test"};
  sec.facts.not_before = *c.not_before;
  sec.facts.not_after = *c.not_after;
  in.secret = sec;
  in.request_revision = 4;

  TlsProbeResult ep;
  ep.target = "127.0.0.1:8443";
  ep.server_name = "web.example.test";
  ep.source = "tls_probes.targets";
  ep.success = true;
  ep.verified = true;
  ep.tls_version = "TLSv1.3";
  ep.leaf = CertFacts{.subject = "CN=web.example.test",
                      .issuer = "CN=R3",
                      .serial = "0A1B",
                      .fingerprint_sha256 = "aa11",
                      .not_before = *c.not_before,
                      .not_after = *c.not_after,
                      .dns_names = {"web.example.test"}};
  in.endpoints.push_back(ep);
  in.resolvers = {"127.0.0.2:53", "127.0.0.3:53"};

  CaaResult caa;
  caa.ns = "shop";
  caa.certificate = "web";
  caa.domain = "web.example.test";
  caa.ca_domain = "letsencrypt.org";
  caa.allowed = true;
  in.caa.push_back(caa);
  return in;
}

// A renewal in flight: revision 4's request, its Order and one DNS-01 Challenge.
void StartIssuance(DiagnoseInput& in) {
  in.certificate.ready = {"False", "Issuing", "Issuing certificate as Secret does not exist", 0, 1};
  in.certificate.issuing = {"True", "DoesNotExist", "Issuing certificate", 0, 1};
  CertificateRequestState r;
  r.ns = "shop";
  r.name = "web-4";
  r.certificate = "web";
  r.revision = 4;
  r.approved = {"True", "cert-manager.io", "Certificate request has been approved", 0, 0};
  r.ready = {"False", "Pending", "Waiting on certificate issuance from order shop/web-4-1", 0, 0};
  r.created = kNow - 600;
  in.request = r;
  OrderState o;
  o.ns = "shop";
  o.name = "web-4-1";
  o.request = "web-4";
  o.state = "pending";
  in.order = o;
  ChallengeState ch;
  ch.ns = "shop";
  ch.name = "web-4-1-77";
  ch.order = "web-4-1";
  ch.type = "DNS-01";
  ch.dns_name = "web.example.test";
  ch.key = "k3y";
  ch.presented = true;
  ch.processing = true;
  ch.state = "pending";
  ch.reason = "Waiting for DNS-01 challenge propagation";
  in.challenges.push_back(ch);
  for (const auto& res : in.resolvers) {
    DnsChallengeResult d;
    d.ns = "shop";
    d.challenge = ch.name;
    d.domain = ch.dns_name;
    d.resolver = res;
    d.query_name = "_acme-challenge.web.example.test";
    d.propagated = true;
    d.rcode = "NOERROR";
    d.values = {"k3y"};
    in.dns.push_back(d);
  }
}

struct Case {
  std::string name;
  std::function<void(DiagnoseInput&)> mutate;
  FailureReason problem;
  std::string line;
};

std::vector<Case> Cases() {
  return {
      {"healthy", [](DiagnoseInput&) {}, FailureReason::kNone,
       "Verdict: healthy: Ready, expires 2027-01-17T11:06:40Z, renewal due "
       "2026-12-18T11:06:40Z, served by 1 endpoint"},
      {"rate_limited",
       [](DiagnoseInput& in) {
         StartIssuance(in);
         in.challenges.clear();
         in.dns.clear();
         in.order->state = "errored";
         in.order->reason =
             "429 urn:ietf:params:acme:error:rateLimited: Error creating new order :: too many "
             "certificates (5) already issued for this exact set of domains in the last 168 "
             "hours: web.example.test, retry after 2026-11-19 10:00:00 UTC: see "
             "https://letsencrypt.org/docs/rate-limits/";
         in.order->rate_limited = true;
         in.request->ready = {"False", "Failed",
                              "Failed to wait for order resource: " + in.order->reason, 0, 0};
         in.certificate.last_failure_time = kNow - 1800;
         in.certificate.failed_issuance_attempts = 1;
       },
       FailureReason::kRateLimited,
       "Verdict: stuck at ACME order: rate-limited by letsencrypt-prod until "
       "2026-11-19T10:00:00Z; next step: do not force retries (they burn the budget); switch "
       "spec.issuerRef to a fallback issuer (renewer.fallback_issuers), or wait until "
       "2026-11-19T10:00:00Z and let cert-manager retry (runbook: "
       "https://example.test/runbooks.md#certwatchacmeratelimited)"},
      {"rate_limited_backoff_later_than_retry_after",
       [](DiagnoseInput& in) {
         StartIssuance(in);
         in.order->state = "errored";
         in.order->reason = "429 urn:ietf:params:acme:error:rateLimited: too many new orders";
         in.order->rate_limited = true;
         in.certificate.last_failure_time = kNow - 1800;  // 3rd failure: 4h backoff
         in.certificate.failed_issuance_attempts = 3;
       },
       FailureReason::kRateLimited,
       "Verdict: stuck at ACME order: rate-limited by letsencrypt-prod until "
       "2026-11-18T14:36:40Z; next step: do not force retries (they burn the budget); switch "
       "spec.issuerRef to a fallback issuer (renewer.fallback_issuers), or wait until "
       "2026-11-18T14:36:40Z and let cert-manager retry (runbook: "
       "https://example.test/runbooks.md#certwatchacmeratelimited)"},
      {"dns_not_propagated_on_one_resolver",
       [](DiagnoseInput& in) {
         StartIssuance(in);
         in.dns[1].propagated = false;
         in.dns[1].rcode = "NXDOMAIN";
         in.dns[1].values.clear();
         in.dns[1].error = "no such name";
       },
       FailureReason::kDnsNotPropagated,
       "Verdict: stuck at DNS-01 challenge web-4-1-77: TXT _acme-challenge.web.example.test "
       "not propagated on resolver 127.0.0.3:53 (1 of 2; NXDOMAIN: no such name); next step: "
       "check the DNS provider's zone and the record's TTL, then compare: certwatch probe dns "
       "_acme-challenge.web.example.test --type TXT --resolver 127.0.0.2:53 --resolver "
       "127.0.0.3:53 (runbook: "
       "https://example.test/runbooks.md#certwatchdns01challengenotpropagated)"},
      {"caa_forbids",
       [](DiagnoseInput& in) {
         in.caa[0].allowed = false;
         in.caa[0].record_domain = "example.test";
         in.caa[0].records = {"0 issue \"pki.goog\""};
         in.caa[0].reason = "issue set does not list letsencrypt.org";
       },
       FailureReason::kCaaForbidden,
       "Verdict: stuck at CAA check: CAA at example.test forbids letsencrypt.org for "
       "web.example.test; next step: add a CAA record 'example.test. CAA 0 issue "
       "\"letsencrypt.org\"' or move the certificate to an issuer whose CA is allowed "
       "(runbook: https://example.test/runbooks.md#certwatchcaaforbidsissuer)"},
      {"endpoint_stale",
       [](DiagnoseInput& in) {
         CertFacts& l = *in.endpoints[0].leaf;
         l.serial = "09FF";
         l.fingerprint_sha256 = "bb22";
         l.not_after = kNow + 5 * kDay;
       },
       FailureReason::kEndpointStale,
       "Verdict: stuck at endpoint 127.0.0.1:8443: serves serial 09FF expiring "
       "2026-11-23T11:06:40Z but Secret shop/web-tls holds serial 0A1B expiring "
       "2027-01-17T11:06:40Z; next step: reload or restart the workload that terminates TLS "
       "for 127.0.0.1:8443 so it loads the renewed Secret (runbook: "
       "https://example.test/runbooks.md#certwatchendpointservingstalecertificate)"},
      {"no_status_yet",
       [](DiagnoseInput& in) {
         CertificateState& c = in.certificate;
         c.ready = {};
         c.not_before.reset();
         c.not_after.reset();
         c.renewal_time.reset();
         c.revision = 0;
         in.request_revision = 1;
         in.secret.reset();
         in.endpoints.clear();
       },
       FailureReason::kUnknown,
       "Verdict: stuck at Certificate shop/web: no status yet: cert-manager has not reconciled "
       "it (no Ready condition, no notAfter); next step: check that cert-manager's controller "
       "runs and watches namespace shop: kubectl get pods -n cert-manager; kubectl logs -n "
       "cert-manager -l app=cert-manager --tail=100 (runbook: "
       "https://example.test/runbooks.md#certwatchcertificatenotready)"},
      {"issuer_not_ready",
       [](DiagnoseInput& in) {
         StartIssuance(in);
         in.challenges.clear();
         in.dns.clear();
         in.order.reset();
         in.issuer->ready = {"False", "ErrRegisterACMEAccount",
                             "Failed to register ACME account: 400 bad email", 0, 1};
       },
       FailureReason::kIssuerNotReady,
       "Verdict: stuck at ClusterIssuer letsencrypt-prod: not ready (ErrRegisterACMEAccount): "
       "Failed to register ACME account: 400 bad email; next step: kubectl describe "
       "clusterissuer letsencrypt-prod; fix the Secret it references (ACME account key, CA "
       "key, credentials) or its ACME server URL (runbook: "
       "https://example.test/runbooks.md#certwatchissuernotready)"},
      {"issuer_missing_while_healthy_is_only_a_warning",
       [](DiagnoseInput& in) { in.issuer.reset(); }, FailureReason::kNone,
       "Verdict: healthy: Ready, expires 2027-01-17T11:06:40Z, renewal due "
       "2026-12-18T11:06:40Z, served by 1 endpoint"},
      {"request_denied",
       [](DiagnoseInput& in) {
         StartIssuance(in);
         in.order.reset();
         in.challenges.clear();
         in.dns.clear();
         in.request->approved = {};
         in.request->denied = {"True", "policy.cert-manager.io", "No policy approved this request",
                               0, 0};
         in.request->ready = {"False", "Denied", "The CertificateRequest was denied", 0, 0};
       },
       FailureReason::kRequestDenied,
       "Verdict: stuck at CertificateRequest web-4: denied: No policy approved this request; "
       "next step: check the approver (approver-policy rules) for this request, or approve it "
       "by hand: cmctl approve web-4 -n shop (runbook: "
       "https://example.test/runbooks.md#certwatchcertificatenotready)"},
      {"challenge_failed",
       [](DiagnoseInput& in) {
         StartIssuance(in);
         in.dns.clear();
         in.challenges[0].state = "invalid";
         in.challenges[0].reason = "Error accepting authorization: acme: authorization error";
         in.order->state = "invalid";
       },
       FailureReason::kChallengeFailed,
       "Verdict: stuck at ACME challenge web-4-1-77: DNS-01 for web.example.test invalid: Error "
       "accepting authorization: acme: authorization error; next step: fix the cause, then "
       "delete the failed challenge to retry: kubectl delete challenge web-4-1-77 -n shop "
       "(runbook: https://example.test/runbooks.md#certwatchcertificatenotready)"},
      {"expired",
       [](DiagnoseInput& in) {
         CertificateState& c = in.certificate;
         c.not_after = kNow - kDay;
         c.renewal_time = kNow - 31 * kDay;
         c.ready = {"False", "Expired", "Certificate expired on 2026-11-17", 0, 1};
         in.secret->facts.not_after = *c.not_after;
         in.endpoints[0].leaf->not_after = *c.not_after;
       },
       FailureReason::kExpired,
       "Verdict: stuck at Certificate shop/web: expired at 2026-11-17T11:06:40Z; next step: "
       "re-issue now from a working issuer: cmctl renew web -n shop (switch spec.issuerRef to a "
       "fallback issuer if this one is failing) (runbook: "
       "https://example.test/runbooks.md#certwatchcertificateexpirycritical)"},
      {"expired_because_rate_limited_names_the_cause",
       [](DiagnoseInput& in) {
         StartIssuance(in);
         in.challenges.clear();
         in.dns.clear();
         in.certificate.not_after = kNow - kDay;
         in.order->state = "errored";
         in.order->reason = "urn:ietf:params:acme:error:rateLimited";
         in.order->rate_limited = true;
       },
       FailureReason::kRateLimited,
       "Verdict: stuck at ACME order: rate-limited by letsencrypt-prod (certificate expired at "
       "2026-11-17T11:06:40Z); next step: do not force retries (they burn the budget); switch "
       "spec.issuerRef to a fallback issuer (renewer.fallback_issuers), or wait and let "
       "cert-manager retry (runbook: https://example.test/runbooks.md#certwatchacmeratelimited)"},
      {"issuance_failed_while_still_valid",
       [](DiagnoseInput& in) {
         in.certificate.issuing = {"False", "Failed",
                                   "The certificate request has failed to complete and will be "
                                   "retried: Vault returned 403",
                                   0, 1};
         in.certificate.last_failure_time = kNow - 600;
         in.certificate.failed_issuance_attempts = 2;
       },
       FailureReason::kRequestFailed,
       "Verdict: stuck at Certificate shop/web: last issuance failed: The certificate request "
       "has failed to complete and will be retried: Vault returned 403; next step: fix the "
       "cause in the message, then cmctl renew web -n shop (else cert-manager retries when its "
       "backoff ends) (runbook: https://example.test/runbooks.md#certwatchcertificatenotready)"},
      {"request_failure_named_over_the_certificate_condition",
       [](DiagnoseInput& in) {
         StartIssuance(in);
         in.order.reset();
         in.challenges.clear();
         in.dns.clear();
         in.certificate.issuing = {"False", "Failed", "will be retried: Vault returned 403", 0, 1};
         in.request->ready = {"False", "Failed", "Vault returned 403", 0, 0};
       },
       FailureReason::kRequestFailed,
       "Verdict: stuck at CertificateRequest web-4: failed: Vault returned 403; next step: fix "
       "the issuer error above, then retry: kubectl delete certificaterequest web-4 -n shop (or "
       "cmctl renew web -n shop) (runbook: "
       "https://example.test/runbooks.md#certwatchcertificatenotready)"},
      {"endpoint_unreachable",
       [](DiagnoseInput& in) {
         in.endpoints[0].success = false;
         in.endpoints[0].leaf.reset();
         in.endpoints[0].error = "connect: Connection refused";
       },
       FailureReason::kEndpointUnreachable,
       "Verdict: stuck at endpoint 127.0.0.1:8443: handshake failed: connect: Connection "
       "refused; next step: check the endpoint and the network path to it: certwatch probe tls "
       "127.0.0.1:8443 --server-name web.example.test (runbook: "
       "https://example.test/runbooks.md#certwatchendpointprobefailed)"},
      {"challenge_pending_during_healthy_renewal_stays_healthy",
       [](DiagnoseInput& in) {
         StartIssuance(in);
         in.certificate.ready = {"True", "Ready", "Certificate is up to date", 0, 1};
         in.certificate.issuing = {"True", "Renewing", "Renewing certificate", 0, 1};
       },
       FailureReason::kNone,
       "Verdict: healthy: Ready, expires 2027-01-17T11:06:40Z, renewal due "
       "2026-12-18T11:06:40Z, served by 1 endpoint"},
      {"challenge_pending_while_not_ready", [](DiagnoseInput& in) { StartIssuance(in); },
       FailureReason::kChallengePending,
       "Verdict: stuck at ACME challenge web-4-1-77: DNS-01 for web.example.test pending: "
       "Waiting for DNS-01 challenge propagation; next step: wait for the ACME server to "
       "validate it; if it stays pending, check DNS-01 reachability: kubectl describe challenge "
       "web-4-1-77 -n shop (runbook: "
       "https://example.test/runbooks.md#certwatchcertificatenotready)"},
  };
}

class VerdictCases : public ::testing::TestWithParam<Case> {};

TEST_P(VerdictCases, LineAndProblem) {
  const Case& c = GetParam();
  DiagnoseInput in = Healthy();
  c.mutate(in);
  Diagnosis d = Diagnose(in, kNow);
  EXPECT_EQ(d.verdict.problem, c.problem) << ToString(d.verdict.problem) << "\n"
                                          << RenderDiagnosisText(in, d, false);
  EXPECT_EQ(d.verdict.Line(), c.line);
  EXPECT_EQ(d.exit_code(), c.problem == FailureReason::kNone ? 0 : 1);
}

INSTANTIATE_TEST_SUITE_P(Diagnose, VerdictCases, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

TEST(Backoff, ShownInFindings) {
  DiagnoseInput in = Healthy();
  in.certificate.last_failure_time = kNow - 1800;
  in.certificate.failed_issuance_attempts = 2;
  Diagnosis d = Diagnose(in, kNow);
  bool found = false;
  for (const auto& f : d.findings) {
    if (f.section == "Backoff") {
      found = true;
      EXPECT_EQ(f.level, FindingLevel::kWarn);
      EXPECT_EQ(f.message,
                "2 failed issuance attempts, last at 2026-11-18T10:36:40Z (30m ago); backoff "
                "2h: cert-manager retries at 2026-11-18T12:36:40Z (in 1h30m)");
    }
  }
  EXPECT_TRUE(found);
}

TEST(Events, ShownUnderTheirObjectLatestFive) {
  DiagnoseInput in = Healthy();
  StartIssuance(in);
  for (int i = 0; i < 7; ++i) {
    in.events.push_back({"Order", "web-4-1", i == 6 ? "Warning" : "Normal", "Step",
                         "step " + std::to_string(i), 1, kNow - 600 + i});
  }
  in.events.push_back({"Challenge", "web-4-1-77", "Warning", "PresentError",
                       "route53: access denied", 3, kNow - 120});
  Diagnosis d = Diagnose(in, kNow);
  std::vector<std::string> order_events;
  for (const auto& f : d.findings) {
    if (f.section == "Order shop/web-4-1" && f.message.starts_with("event ")) {
      order_events.push_back(f.message);
    }
    if (f.section == "Challenge shop/web-4-1-77" && f.message.starts_with("event ")) {
      EXPECT_EQ(f.level, FindingLevel::kWarn);
      EXPECT_EQ(f.message, "event Warning PresentError (x3) 2m ago: route53: access denied");
    }
  }
  ASSERT_EQ(order_events.size(), 5u);
  EXPECT_EQ(order_events.front(), "event Normal Step 9m58s ago: step 2");
  EXPECT_EQ(order_events.back(), "event Warning Step 9m54s ago: step 6");
}

TEST(Format, Rfc3339AndRelative) {
  EXPECT_EQ(FormatRfc3339(kNow), "2026-11-18T11:06:40Z");
  EXPECT_EQ(FormatRelative(kNow + 2 * kHour + 13 * 60 + 5, kNow), "in 2h13m");
  EXPECT_EQ(FormatRelative(kNow - 3 * kDay - 4 * kHour, kNow), "3d4h ago");
  EXPECT_EQ(FormatRelative(kNow - 2 * kDay - 5, kNow), "2d ago");
  EXPECT_EQ(FormatRelative(kNow, kNow), "in 0s");
}

TEST(Render, TextGroupsSectionsAndColoursOnlyWhenAsked) {
  DiagnoseInput in = Healthy();
  Diagnosis d = Diagnose(in, kNow);
  std::string plain = RenderDiagnosisText(in, d, false);
  EXPECT_EQ(plain.find('\033'), std::string::npos);
  EXPECT_NE(plain.find("Certificate shop/web\n  [info] issuerRef: ClusterIssuer letsencrypt-prod"),
            std::string::npos)
      << plain;
  EXPECT_NE(plain.find("\nVerdict: healthy: "), std::string::npos);
  std::string coloured = RenderDiagnosisText(in, d, true);
  EXPECT_NE(coloured.find("\033[32m[ok]  \033[0m"), std::string::npos);
}

// With no generator.runbook_base_url the link names the runbook file `certwatch generate`
// writes, not a guessed host; with one it is <base>#<alert>.
TEST(Runbook, LinkNamesTheGeneratedRunbookWithoutABaseUrl) {
  DiagnoseInput in = Healthy();
  in.runbook_base_url = "";
  StartIssuance(in);
  in.dns[0].propagated = false;
  Diagnosis d = Diagnose(in, kNow);
  EXPECT_EQ(d.verdict.runbook, "runbooks.md#certwatchdns01challengenotpropagated");
  EXPECT_TRUE(
      d.verdict.Line().ends_with(" (runbook: runbooks.md#certwatchdns01challengenotpropagated)"))
      << d.verdict.Line();

  in.runbook_base_url = "https://wiki.example/runbooks";
  d = Diagnose(in, kNow);
  EXPECT_EQ(d.verdict.runbook,
            "https://wiki.example/runbooks#certwatchdns01challengenotpropagated");
}

TEST(Render, JsonCarriesVerdictFindingsAndBackoff) {
  DiagnoseInput in = Healthy();
  StartIssuance(in);
  in.dns[0].propagated = false;
  in.certificate.last_failure_time = kNow - 1800;
  in.certificate.failed_issuance_attempts = 1;
  Diagnosis d = Diagnose(in, kNow);
  auto j = nlohmann::json::parse(RenderDiagnosisJson(in, d, kNow));
  EXPECT_EQ(j["verdict"]["problem"], "dns_not_propagated");
  EXPECT_EQ(j["verdict"]["healthy"], false);
  EXPECT_EQ(j["verdict"]["line"], d.verdict.Line());
  EXPECT_EQ(j["exit_code"], 1);
  EXPECT_EQ(j["backoff"]["next_retry_time"], "2026-11-18T11:36:40Z");
  EXPECT_EQ(j["certificate"]["namespace"], "shop");
  EXPECT_GT(j["findings"].size(), 10u);
}

}  // namespace
}  // namespace certwatch
