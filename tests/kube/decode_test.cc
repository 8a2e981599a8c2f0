#include "exporter/kube/decode.h"

#include <gtest/gtest.h>

#include "tests/kube/decode_support.h"

namespace certwatch {
namespace {

constexpr char kCert[] = R"({
  "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
  "metadata": {"name": "web", "namespace": "prod", "generation": 3, "resourceVersion": "77",
    "labels": {"team": "a"},
    "annotations": {"certwatch.io/fallback-from": "letsencrypt", "kubectl.kubernetes.io/x": "big"},
    "ownerReferences": [{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "web-ing",
                         "controller": true, "uid": "u"}]},
  "spec": {"secretName": "web-tls", "dnsNames": ["web.example.com", "www.example.com"],
           "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer"}},
  "status": {"conditions": [
      {"type": "Ready", "status": "False", "reason": "Failed", "message": "boom",
       "lastTransitionTime": "2026-11-27T10:00:00Z", "observedGeneration": 3},
      {"type": "Issuing", "status": "True", "reason": "Renewing", "message": "Renewing",
       "lastTransitionTime": "2026-11-27T09:00:00Z"}],
    "notBefore": "2026-09-01T00:00:00Z", "notAfter": "2026-11-30T00:00:00Z",
    "renewalTime": "2026-10-31T00:00:00Z", "revision": 4,
    "failedIssuanceAttempts": 2, "lastFailureTime": "2026-11-27T08:00:00Z"}
})";

TEST(Decode, CertificateKeepsTheFieldsUsed) {
  DecodeOutput d;
  auto c = testing::DecodeJson<CertificateState>(kCert, &DecodeCertificate, d);
  EXPECT_EQ(d.warning, "");
  EXPECT_EQ(c.ns, "prod");
  EXPECT_EQ(c.name, "web");
  EXPECT_EQ(d.meta.resource_version, "77");
  EXPECT_EQ(c.generation, 3);
  EXPECT_EQ(c.secret_name, "web-tls");
  EXPECT_EQ(c.dns_names, (std::vector<std::string>{"web.example.com", "www.example.com"}));
  EXPECT_EQ(c.issuer.name, "letsencrypt");
  EXPECT_EQ(c.issuer.kind, "ClusterIssuer");
  EXPECT_EQ(c.issuer.group, "cert-manager.io");  // defaulted
  EXPECT_EQ(c.ready.status, "False");
  EXPECT_EQ(c.ready.message, "boom");
  EXPECT_EQ(c.ready.observed_generation, 3);
  EXPECT_EQ(c.issuing.status, "True");
  EXPECT_EQ(c.issuing.last_transition, *ParseRfc3339("2026-11-27T09:00:00Z"));
  EXPECT_EQ(c.not_after, ParseRfc3339("2026-11-30T00:00:00Z"));
  EXPECT_EQ(c.not_before, ParseRfc3339("2026-09-01T00:00:00Z"));
  EXPECT_EQ(c.renewal_time, ParseRfc3339("2026-10-31T00:00:00Z"));
  EXPECT_EQ(c.revision, 4);
  EXPECT_EQ(c.failed_issuance_attempts, 2);
  EXPECT_EQ(c.last_failure_time, ParseRfc3339("2026-11-27T08:00:00Z"));
  EXPECT_EQ(c.owner_ingress, "web-ing");
  EXPECT_EQ(c.labels.at("team"), "a");
  EXPECT_EQ(c.certwatch_annotations.size(), 1u);
  EXPECT_EQ(c.certwatch_annotations.at("certwatch.io/fallback-from"), "letsencrypt");
}

TEST(Decode, BadFieldIsAWarningNamingObjectAndField) {
  DecodeOutput d;
  auto c = testing::DecodeJson<CertificateState>(
      R"({"metadata": {"name": "x", "namespace": "ns"}, "status": {"notAfter": "soon",
          "notBefore": 12, "revision": "seven"}, "spec": {"dnsNames": "notalist"}})",
      &DecodeCertificate, d);
  EXPECT_EQ(d.warning, "Certificate ns/x: status.notAfter: not RFC 3339: \"soon\"");
  EXPECT_FALSE(c.not_after);
  EXPECT_FALSE(c.not_before);
  EXPECT_EQ(c.revision, 0);
  EXPECT_TRUE(c.dns_names.empty());
  EXPECT_EQ(c.name, "x");
}

// Messages are kept only while they explain a failure.
TEST(Decode, HealthyConditionsDropBoilerplateMessages) {
  DecodeOutput d0, d1, d2;
  auto c = testing::DecodeJson<CertificateState>(
      R"({"metadata": {"name": "x", "namespace": "ns"}, "status": {"conditions": [
          {"type": "Ready", "status": "True", "reason": "Ready",
           "message": "Certificate is up to date and has not expired"}]}})",
      &DecodeCertificate, d0);
  EXPECT_EQ(c.ready.status, "True");
  EXPECT_EQ(c.ready.reason, "Ready");
  EXPECT_EQ(c.ready.message, "");
  // The same request in two states: issued, and denied.
  auto request = [](const std::string& conditions, DecodeOutput& d) {
    return testing::DecodeJson<CertificateRequestState>(
        R"({"metadata": {"name": "web-5", "namespace": "prod"}, "status": {"conditions": )" +
            conditions + "}}",
        &DecodeCertificateRequest, d);
  };
  auto ok = request(R"([{"type": "Approved", "status": "True", "reason": "cert-manager.io",
      "message": "Certificate request has been approved by cert-manager.io"},
      {"type": "Ready", "status": "True", "reason": "Issued",
      "message": "Certificate fetched from issuer successfully"}])",
                    d1);
  EXPECT_EQ(ok.approved.reason, "cert-manager.io");
  EXPECT_EQ(ok.approved.message, "");
  EXPECT_EQ(ok.ready.message, "");
  auto denied = request(R"([{"type": "Denied", "status": "True", "reason": "Policy",
      "message": "no wildcards"},
      {"type": "Ready", "status": "False", "reason": "Denied", "message": "denied by policy"}])",
                        d2);
  EXPECT_EQ(denied.denied.message, "no wildcards");
  EXPECT_EQ(denied.ready.message, "denied by policy");
}

TEST(Decode, RequestOrderChallenge) {
  DecodeOutput d1, d2, d3;
  auto r = testing::DecodeJson<CertificateRequestState>(
      R"({"metadata": {"name": "web-5", "namespace": "prod", "creationTimestamp": "2026-11-27T08:00:00Z",
          "annotations": {"cert-manager.io/certificate-name": "web",
                          "cert-manager.io/certificate-revision": "5"}},
          "spec": {"issuerRef": {"name": "le", "kind": "Issuer", "group": "cert-manager.io"}},
          "status": {"conditions": [{"type": "Approved", "status": "True"},
                                    {"type": "Ready", "status": "False", "reason": "Pending"}]}})",
      &DecodeCertificateRequest, d1);
  EXPECT_EQ(r.certificate, "web");
  EXPECT_EQ(r.revision, 5);
  EXPECT_EQ(r.approved.status, "True");
  EXPECT_EQ(r.ready.reason, "Pending");
  EXPECT_EQ(r.created, *ParseRfc3339("2026-11-27T08:00:00Z"));
  auto o = testing::DecodeJson<OrderState>(
      R"({"metadata": {"name": "web-5-1", "namespace": "prod",
          "ownerReferences": [{"kind": "CertificateRequest", "name": "web-5", "controller": true}]},
          "spec": {"dnsNames": ["web.example.com"], "issuerRef": {"name": "le"}},
          "status": {"state": "errored", "reason": "Failed to create Order: 429 urn:ietf:params:acme:error:rateLimited: x"}})",
      &DecodeOrder, d2);
  EXPECT_EQ(o.request, "web-5");
  EXPECT_EQ(o.state, "errored");
  EXPECT_TRUE(o.rate_limited);
  auto ch = testing::DecodeJson<ChallengeState>(
      R"({"metadata": {"name": "web-5-1-99", "namespace": "prod",
          "ownerReferences": [{"kind": "Order", "name": "web-5-1", "controller": true}]},
          "spec": {"type": "DNS-01", "dnsName": "example.com", "wildcard": true, "key": "k3y",
                   "issuerRef": {"name": "le"}},
          "status": {"presented": true, "processing": true, "state": "pending",
                     "reason": "Waiting for DNS-01 challenge propagation"}})",
      &DecodeChallenge, d3);
  EXPECT_EQ(ch.order, "web-5-1");
  EXPECT_EQ(ch.type, "DNS-01");
  EXPECT_TRUE(ch.wildcard);
  EXPECT_EQ(ch.key, "k3y");
  EXPECT_TRUE(ch.presented);
  EXPECT_EQ(ch.state, "pending");
}

TEST(Decode, IngressAndIssuer) {
  DecodeOutput d1, d2;
  auto ing = testing::DecodeJson<IngressState>(
      R"({"metadata": {"name": "web", "namespace": "prod",
          "annotations": {"cert-manager.io/cluster-issuer": "le", "certwatch.io/x": "y"}},
          "spec": {"tls": [{"hosts": ["a.example.com", "b.example.com"], "secretName": "web-tls"}]},
          "status": {"loadBalancer": {"ingress": [{"ip": "10.0.0.1"}, {"hostname": "lb.example"}]}}})",
      &DecodeIngress, d1);
  EXPECT_EQ(ing.cluster_issuer_annotation, "le");
  ASSERT_EQ(ing.tls.size(), 1u);
  EXPECT_EQ(ing.tls[0].secret_name, "web-tls");
  EXPECT_EQ(ing.addresses, (std::vector<std::string>{"10.0.0.1", "lb.example"}));
  EXPECT_EQ(ing.certwatch_annotations.at("certwatch.io/x"), "y");
  auto iss = testing::DecodeJson<IssuerState>(
      R"({"metadata": {"name": "le"}, "spec": {"acme": {"server": "https://acme/dir", "email": "a@b"}},
          "status": {"conditions": [{"type": "Ready", "status": "False", "message": "no account"}]}})",
      &DecodeIssuer, d2);
  EXPECT_EQ(iss.acme_server, "https://acme/dir");
  EXPECT_EQ(iss.ready.status, "False");
  EXPECT_EQ(iss.ready.message, "no account");
}

TEST(Decode, SecretWithoutCertificateOrGarbage) {
  DecodeOutput d1, d2;
  auto s1 = testing::DecodeJson<SecretCertState>(
      R"({"metadata": {"name": "s", "namespace": "n"}, "type": "kubernetes.io/tls",
          "data": {"tls.key": "c2VjcmV0"}})",
      &DecodeSecret, d1);
  EXPECT_EQ(s1.error, "no tls.crt");
  auto s2 = testing::DecodeJson<SecretCertState>(
      R"({"metadata": {"name": "s", "namespace": "n"}, "type": "kubernetes.io/tls",
          "data": {"tls.crt": "bm90IGEgY2VydA==", "tls.key": "c2VjcmV0"}})",
      &DecodeSecret, d2);
  EXPECT_FALSE(s2.error.empty());
  EXPECT_EQ(s2.facts.not_after, 0);
}

}  // namespace
}  // namespace certwatch

namespace certwatch {
namespace {

TEST(Decode, RenewerEventCarriesCertificateActionResultAndTime) {
  DecodeOutput d;
  auto e = testing::DecodeJson<RenewerEventState>(
      R"({"kind": "Event", "metadata": {"name": "web.1", "namespace": "shop",
      "annotations": {"certwatch.io/certificate": "shop/web", "certwatch.io/action": "reissue"}},
      "reason": "Reissue", "type": "Normal", "eventTime": null,
      "firstTimestamp": "2026-11-28T09:00:00Z", "lastTimestamp": "2026-11-28T10:00:00Z"})",
      DecodeRenewerEvent, d);
  EXPECT_EQ(d.warning, "");
  EXPECT_EQ(e.ns, "shop");
  EXPECT_EQ(e.name, "web.1");
  EXPECT_EQ(e.certificate, "shop/web");
  EXPECT_EQ(e.record.action, "reissue");
  EXPECT_EQ(e.record.result, "success");
  EXPECT_EQ(e.record.at, 1795860000);

  DecodeOutput d2;
  auto failed =
      testing::DecodeJson<RenewerEventState>(R"({"metadata": {"name": "web.2", "namespace": "shop",
      "annotations": {"certwatch.io/certificate": "shop/web", "certwatch.io/action": "switch_issuer"}},
      "type": "Warning", "lastTimestamp": null, "eventTime": "2026-11-28T10:00:00.000001Z"})",
                                             DecodeRenewerEvent, d2);
  EXPECT_EQ(failed.record.result, "error");
  EXPECT_EQ(failed.record.action, "switch_issuer");
  EXPECT_EQ(failed.record.at, 1795860000);

  DecodeOutput d3;
  auto foreign = testing::DecodeJson<RenewerEventState>(
      R"({"metadata": {"name": "x", "namespace": "a"}, "type": "Normal", "lastTimestamp": 7})",
      DecodeRenewerEvent, d3);
  EXPECT_EQ(foreign.certificate, "");
  EXPECT_NE(d3.warning.find("lastTimestamp: not a string"), std::string::npos) << d3.warning;
}

}  // namespace
}  // namespace certwatch
