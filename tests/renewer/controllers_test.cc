// Each controller against a table of certificate states at a fixed "now": which actions it
// plans, on which object, for which cause.
#include <gtest/gtest.h>

#include <functional>

#include "renewer/controller.h"
#include "tests/renewer/renewer_test_support.h"

namespace certwatch::renewer {
namespace {

using namespace testing;  // NOLINT(build/namespaces)

struct Expect {
  ActionKind kind;
  std::string target_kind, target;  // "ns/name"
  std::string trigger;
};

struct Case {
  std::string name;
  std::function<void(Snapshot&, RenewerConfig&)> setup;
  std::vector<Expect> want;
};

void RunCases(const std::function<std::unique_ptr<Controller>()>& make,
              const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Snapshot snap = MakeSnapshot({HealthyCert("default", "web")});
    RenewerConfig config;
    c.setup(snap, config);
    auto controller = make();
    ControllerContext ctx{snap, At(kNow), config};
    std::vector<PlannedAction> got;
    for (const auto& [_, cert] : snap.data.certificates) {
      auto a = controller->ProcessItem(ctx, cert);
      got.insert(got.end(), a.begin(), a.end());
    }
    ASSERT_EQ(got.size(), c.want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].kind, c.want[i].kind);
      EXPECT_EQ(got[i].target.kind, c.want[i].target_kind);
      EXPECT_EQ(got[i].target.Key(), c.want[i].target);
      EXPECT_EQ(got[i].trigger, c.want[i].trigger);
      EXPECT_FALSE(got[i].message.empty());
      EXPECT_EQ(got[i].certificate, "default/web");
    }
  }
}

CertificateState& Web(Snapshot& s) { return s.data.certificates.at("default/web"); }

// Adds request → order → challenge for default/web; returns the challenge.
ChallengeState& AddChallenge(Snapshot& s, const std::string& state, UnixSeconds created,
                             const std::string& type = "DNS-01") {
  CertificateRequestState cr;
  cr.ns = "default";
  cr.name = "web-3";
  cr.certificate = "web";
  cr.revision = 3;
  s.data.requests["default/web-3"] = cr;
  OrderState o;
  o.ns = "default";
  o.name = "web-3-123";
  o.request = "web-3";
  o.state = "pending";
  s.data.orders["default/web-3-123"] = o;
  ChallengeState ch;
  ch.ns = "default";
  ch.name = "web-3-123-0";
  ch.order = "web-3-123";
  ch.type = type;
  ch.dns_name = "web.example.test";
  ch.presented = true;
  ch.state = state;
  ch.created = created;
  return s.data.challenges["default/web-3-123-0"] = ch;
}

void SetPropagation(Snapshot& s, int resolvers, int propagated) {
  for (int i = 0; i < resolvers; ++i) {
    DnsChallengeResult r;
    r.ns = "default";
    r.challenge = "web-3-123-0";
    r.resolver = "10.0.0." + std::to_string(i) + ":53";
    r.propagated = i < propagated;
    s.data.dns_challenges["default/web-3-123-0|" + r.resolver] = r;
  }
}

TEST(ReissueController, Cases) {
  RunCases(NewReissueController,
           {
               {"healthy: nothing", [](Snapshot&, RenewerConfig&) {}, {}},
               {"renewal overdue beyond renew_overdue_after",
                [](Snapshot& s, RenewerConfig&) { Web(s).renewal_time = kNow - 2 * kHour; },
                {{ActionKind::kReissue, "Certificate", "default/web", "RenewalOverdue"}}},
               {"renewal overdue but within renew_overdue_after",
                [](Snapshot& s, RenewerConfig&) { Web(s).renewal_time = kNow - 30 * 60; },
                {}},
               {"threshold is configurable",
                [](Snapshot& s, RenewerConfig& c) {
                  Web(s).renewal_time = kNow - 30 * 60;
                  c.renew_overdue_after = std::chrono::minutes(10);
                },
                {{ActionKind::kReissue, "Certificate", "default/web", "RenewalOverdue"}}},
               {"not ready beyond not_ready_after",
                [](Snapshot& s, RenewerConfig&) {
                  Web(s).ready = Condition{"False", "Failed", "x", kNow - 2 * kHour, 3};
                },
                {{ActionKind::kReissue, "Certificate", "default/web", "NotReady"}}},
               {"not ready for less than not_ready_after",
                [](Snapshot& s, RenewerConfig&) {
                  Web(s).ready = Condition{"False", "Failed", "x", kNow - 10 * 60, 3};
                },
                {}},
               {"not ready, transition time unknown",
                [](Snapshot& s, RenewerConfig&) {
                  Web(s).ready = Condition{"False", "", "", 0, 0};
                },
                {}},
               {"already issuing",
                [](Snapshot& s, RenewerConfig&) {
                  Web(s).renewal_time = kNow - 5 * kHour;
                  Web(s).issuing = Condition{"True", "Renewing", "", kNow - kHour, 3};
                },
                {}},
           });
}

TEST(StuckChallengeController, Cases) {
  RunCases(
      NewStuckChallengeController,
      {
          {"no challenges", [](Snapshot&, RenewerConfig&) {}, {}},
          {"invalid beyond threshold",
           [](Snapshot& s, RenewerConfig&) { AddChallenge(s, "invalid", kNow - 2 * kHour); },
           {{ActionKind::kDeleteChallenge, "Challenge", "default/web-3-123-0", "ChallengeFailed"}}},
          {"errored beyond threshold (HTTP-01 too)",
           [](Snapshot& s, RenewerConfig&) {
             AddChallenge(s, "errored", kNow - 2 * kHour, "HTTP-01");
           },
           {{ActionKind::kDeleteChallenge, "Challenge", "default/web-3-123-0", "ChallengeFailed"}}},
          {"invalid but young",
           [](Snapshot& s, RenewerConfig&) { AddChallenge(s, "invalid", kNow - 20 * 60); },
           {}},
          {"pending, propagated on every resolver",
           [](Snapshot& s, RenewerConfig&) {
             AddChallenge(s, "pending", kNow - 2 * kHour);
             SetPropagation(s, 3, 3);
           },
           {{ActionKind::kDeleteChallenge, "Challenge", "default/web-3-123-0", "ChallengeStuck"}}},
          {"pending, still missing on one resolver",
           [](Snapshot& s, RenewerConfig&) {
             AddChallenge(s, "pending", kNow - 2 * kHour);
             SetPropagation(s, 3, 2);
           },
           {}},
          {"pending, never checked",
           [](Snapshot& s, RenewerConfig&) { AddChallenge(s, "pending", kNow - 2 * kHour); },
           {}},
          {"pending HTTP-01: no propagation to judge",
           [](Snapshot& s, RenewerConfig&) {
             AddChallenge(s, "pending", kNow - 2 * kHour, "HTTP-01");
           },
           {}},
          {"valid",
           [](Snapshot& s, RenewerConfig&) { AddChallenge(s, "valid", kNow - 2 * kHour); },
           {}},
          {"challenge of another certificate",
           [](Snapshot& s, RenewerConfig&) {
             AddChallenge(s, "invalid", kNow - 2 * kHour);
             s.data.requests["default/web-3"].certificate = "api";
           },
           {}},
      });
}

CertificateRequestState& AddRequest(Snapshot& s, int revision, const Condition& ready) {
  CertificateRequestState cr;
  cr.ns = "default";
  cr.name = "web-" + std::to_string(revision);
  cr.certificate = "web";
  cr.revision = revision;
  cr.ready = ready;
  return s.data.requests["default/" + cr.name] = cr;
}

TEST(FailedRequestController, Cases) {
  const Condition failed_old{"False", "Failed", "order invalid", kNow - 2 * kHour, 0};
  RunCases(NewFailedRequestController,
           {
               {"failed request of the current revision",
                [&](Snapshot& s, RenewerConfig&) { AddRequest(s, 3, failed_old); },
                {{ActionKind::kDeleteCertificateRequest, "CertificateRequest", "default/web-3",
                  "RequestFailed"}}},
               {"failed request of an old revision",
                [&](Snapshot& s, RenewerConfig&) { AddRequest(s, 2, failed_old); },
                {}},
               {"failed only recently",
                [&](Snapshot& s, RenewerConfig&) {
                  AddRequest(s, 3, Condition{"False", "Failed", "", kNow - 60, 0});
                },
                {}},
               {"pending request",
                [&](Snapshot& s, RenewerConfig&) {
                  AddRequest(s, 3, Condition{"False", "Pending", "", kNow - 5 * kHour, 0});
                },
                {}},
               {"denied request",
                [&](Snapshot& s, RenewerConfig&) {
                  auto& cr = AddRequest(s, 3, Condition{});
                  cr.denied = Condition{"True", "Denied", "policy", kNow - 3 * kHour, 0};
                },
                {{ActionKind::kDeleteCertificateRequest, "CertificateRequest", "default/web-3",
                  "RequestFailed"}}},
           });
}

void Fallbacks(RenewerConfig& c) {
  FallbackIssuerConfig f;
  f.from = IssuerRefConfig{"letsencrypt-prod", "ClusterIssuer", "cert-manager.io"};
  f.to = IssuerRefConfig{"zerossl-prod", "ClusterIssuer", "cert-manager.io"};
  c.fallback_issuers.push_back(f);
}

TEST(IssuerFallbackController, Cases) {
  RunCases(
      NewIssuerFallbackController,
      {
          {"rate-limited, fallback configured",
           [](Snapshot& s, RenewerConfig& c) {
             Fallbacks(c);
             Web(s).acme_rate_limited = true;
           },
           {{ActionKind::kSwitchIssuer, "Certificate", "default/web", "RateLimited"}}},
          {"rate-limited, no fallback for this issuer",
           [](Snapshot& s, RenewerConfig& c) {
             Fallbacks(c);
             Web(s).acme_rate_limited = true;
             Web(s).issuer.name = "other";
           },
           {}},
          {"fallback configured but not rate-limited",
           [](Snapshot&, RenewerConfig& c) { Fallbacks(c); },
           {}},
          {"ingress-shim certificate: the Ingress is switched",
           [](Snapshot& s, RenewerConfig& c) {
             Fallbacks(c);
             Web(s).acme_rate_limited = true;
             Web(s).owner_ingress = "web-ing";
             IngressState ing;
             ing.ns = "default";
             ing.name = "web-ing";
             ing.cluster_issuer_annotation = "letsencrypt-prod";
             s.data.ingresses["default/web-ing"] = ing;
           },
           {{ActionKind::kSwitchIngressIssuer, "Ingress", "default/web-ing", "RateLimited"}}},
          {"switch back after switch_back_after",
           [](Snapshot& s, RenewerConfig& c) {
             Fallbacks(c);
             c.switch_back = true;
             Web(s).issuer.name = "zerossl-prod";
             Web(s).certwatch_annotations = {
                 {"certwatch.io/fallback-from", "ClusterIssuer.cert-manager.io/letsencrypt-prod"},
                 {"certwatch.io/fallback-at", "2026-11-19T12:00:00Z"}};
           },
           {{ActionKind::kSwitchIssuerBack, "Certificate", "default/web", "FallbackExpired"}}},
          {"no switch back before switch_back_after",
           [](Snapshot& s, RenewerConfig& c) {
             Fallbacks(c);
             c.switch_back = true;
             Web(s).issuer.name = "zerossl-prod";
             Web(s).certwatch_annotations = {
                 {"certwatch.io/fallback-from", "ClusterIssuer.cert-manager.io/letsencrypt-prod"},
                 {"certwatch.io/fallback-at", "2026-11-26T12:00:00Z"}};
           },
           {}},
          {"no switch back when switch_back is off",
           [](Snapshot& s, RenewerConfig& c) {
             Fallbacks(c);
             Web(s).issuer.name = "zerossl-prod";
             Web(s).certwatch_annotations = {
                 {"certwatch.io/fallback-from", "ClusterIssuer.cert-manager.io/letsencrypt-prod"},
                 {"certwatch.io/fallback-at", "2026-11-01T12:00:00Z"}};
           },
           {}},
          {"no switch back of a certificate someone else moved",
           [](Snapshot& s, RenewerConfig& c) {
             Fallbacks(c);
             c.switch_back = true;
             Web(s).issuer.name = "manual-choice";
             Web(s).certwatch_annotations = {
                 {"certwatch.io/fallback-from", "ClusterIssuer.cert-manager.io/letsencrypt-prod"},
                 {"certwatch.io/fallback-at", "2026-11-01T12:00:00Z"}};
           },
           {}},
      });
}

TEST(IssuerFallbackController, SwitchCarriesIssuersAndExemptions) {
  Snapshot s = MakeSnapshot({HealthyCert("default", "web")});
  RenewerConfig c;
  Fallbacks(c);
  Web(s).acme_rate_limited = true;
  auto got = NewIssuerFallbackController()->ProcessItem({s, At(kNow), c}, Web(s));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].from.name, "letsencrypt-prod");
  EXPECT_EQ(got[0].to.name, "zerossl-prod");
  EXPECT_EQ(got[0].to.kind, "ClusterIssuer");
  EXPECT_TRUE(got[0].exempt_rate_limit);
  EXPECT_TRUE(got[0].exempt_backoff);
}

TEST(InvalidSecretController, Cases) {
  auto not_ready = [](Snapshot& s, const std::string& reason, UnixSeconds since) {
    Web(s).ready = Condition{"False", reason, "", kNow - since, 3};
  };
  RunCases(NewInvalidSecretController,
           {
               {"secret does not parse, not ready long",
                [&](Snapshot& s, RenewerConfig&) {
                  not_ready(s, "Failed", 2 * kHour);
                  SecretCertState sec;
                  sec.ns = "default";
                  sec.name = "web-tls";
                  sec.error = "PEM: no certificate";
                  s.data.secrets["default/web-tls"] = sec;
                },
                {{ActionKind::kDeleteSecret, "Secret", "default/web-tls", "SecretInvalid"}}},
               {"secret expired",
                [&](Snapshot& s, RenewerConfig&) {
                  not_ready(s, "Expired", 2 * kHour);
                  SecretCertState sec;
                  sec.ns = "default";
                  sec.name = "web-tls";
                  sec.facts.not_after = kNow - kHour;
                  s.data.secrets["default/web-tls"] = sec;
                },
                {{ActionKind::kDeleteSecret, "Secret", "default/web-tls", "SecretInvalid"}}},
               {"reason InvalidKeyPair without secret facts",
                [&](Snapshot& s, RenewerConfig&) { not_ready(s, "InvalidKeyPair", 2 * kHour); },
                {{ActionKind::kDeleteSecret, "Secret", "default/web-tls", "SecretInvalid"}}},
               {"invalid but only briefly",
                [&](Snapshot& s, RenewerConfig&) { not_ready(s, "InvalidKeyPair", 60); },
                {}},
               {"not ready for another reason",
                [&](Snapshot& s, RenewerConfig&) { not_ready(s, "Failed", 5 * kHour); },
                {}},
               {"ready", [](Snapshot&, RenewerConfig&) {}, {}},
           });
}

TEST(StaleWorkloadController, Cases) {
  auto stale_probe = [](Snapshot& s, UnixSeconds since, bool matches = false) {
    TlsProbeResult p;
    p.target = "10.0.0.1:443";
    p.server_name = "web.example.test";
    p.certificate = "default/web";
    p.matches_stored = matches;
    p.mismatch_since = matches ? 0 : kNow - since;
    s.data.tls["10.0.0.1:443|web.example.test"] = p;
  };
  auto workloads = [](RenewerConfig& c) {
    c.restart_workloads.push_back({"default/web", "Deployment", "web"});
    c.restart_workloads.push_back({"default/other", "Deployment", "other"});
  };
  RunCases(NewStaleWorkloadController,
           {
               {"serving stale beyond threshold",
                [&](Snapshot& s, RenewerConfig& c) {
                  workloads(c);
                  stale_probe(s, kHour);
                },
                {{ActionKind::kRestartWorkload, "Deployment", "default/web", "ServingStale"}}},
               {"stale only briefly",
                [&](Snapshot& s, RenewerConfig& c) {
                  workloads(c);
                  stale_probe(s, 60);
                },
                {}},
               {"serving the stored certificate",
                [&](Snapshot& s, RenewerConfig& c) {
                  workloads(c);
                  stale_probe(s, kHour, true);
                },
                {}},
               {"no workload configured for it",
                [&](Snapshot& s, RenewerConfig&) { stale_probe(s, kHour); },
                {}},
               {"certificate itself not ready",
                [&](Snapshot& s, RenewerConfig& c) {
                  workloads(c);
                  stale_probe(s, kHour);
                  Web(s).ready.status = "False";
                },
                {}},
           });
}

TEST(Controllers, EnabledSetFollowsConfig) {
  RenewerConfig c;
  auto names = [&] {
    std::vector<std::string> out;
    for (const auto& ctl : NewControllers(c)) out.emplace_back(ctl->Name());
    return out;
  };
  EXPECT_EQ(names(), (std::vector<std::string>{"stuck_challenge", "failed_request", "reissue"}));
  Fallbacks(c);
  c.delete_invalid_secrets = true;
  c.restart_stale_workloads = true;
  EXPECT_EQ(names(),
            (std::vector<std::string>{"issuer_fallback", "stuck_challenge", "failed_request",
                                      "invalid_secret", "reissue", "stale_workload"}));
}

TEST(IssuerString, RoundTrip) {
  IssuerRef r{"letsencrypt-prod", "ClusterIssuer", "cert-manager.io"};
  EXPECT_EQ(IssuerString(r), "ClusterIssuer.cert-manager.io/letsencrypt-prod");
  auto back = ParseIssuerString(IssuerString(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r);
  EXPECT_FALSE(ParseIssuerString("noslash"));
  EXPECT_FALSE(ParseIssuerString("Kind/name"));
  EXPECT_EQ(ParseTime("2026-11-27T12:00:00Z"), kNow);
  EXPECT_EQ(ParseTime("2026-11-27T12:00:00.123456Z"), kNow);
  EXPECT_FALSE(ParseTime("2026-11-27T12:00:00+01:00"));
  EXPECT_FALSE(ParseTime("yesterday"));
}

}  // namespace
}  // namespace certwatch::renewer
