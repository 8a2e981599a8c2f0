#include <gtest/gtest.h>

#include <algorithm>

#include "exporter/landing_page.h"
#include "state/keys.h"

namespace certwatch {
namespace {

CertFacts Ca(std::string subject, std::string serial, int64_t not_after) {
  CertFacts f;
  f.subject = std::move(subject);
  f.issuer = f.subject;
  f.serial = std::move(serial);
  f.not_after = not_after;
  return f;
}

const LandingRow* Find(const std::vector<LandingRow>& rows, std::string_view kind,
                       std::string_view name) {
  auto it = std::find_if(rows.begin(), rows.end(),
                         [&](const LandingRow& r) { return r.kind == kind && r.name == name; });
  return it == rows.end() ? nullptr : &*it;
}

TEST(LandingClusterRows, EachSourceOutsideCertManager) {
  StateData d;
  CaBundleObjectState vwc;
  vwc.kind = "ValidatingWebhookConfiguration";
  vwc.name = "hook";
  CaBundleEntry e;
  e.webhook = "v.example.com";
  e.cas = {Ca("CN=Hook CA", "0a", 5000)};
  e.client.url = "https://10.0.0.1:8443/";
  vwc.entries.push_back(e);
  d.ca_bundles[CaBundleKey(vwc.kind, vwc.name)] = vwc;
  CaBundleProbeState p;
  p.success = true;
  p.verify_reason = VerifyReason::kUnknownAuthority;
  d.ca_bundle_probes[CaBundleProbeSource(vwc.kind, vwc.name, e.webhook) +
                     "|10.0.0.1:8443|10.0.0.1"] = p;

  ConfigMapCertsState cm{"prod", "ca-bundle", "", {{"ca.crt", {Ca("CN=Root", "1f", 9000)}}}, 0};
  d.configmaps[ObjectKey(cm.ns, cm.name)] = cm;
  BundleState b{"", "corp", "trust.pem", false, "SourceNotFound", "secret gone"};
  d.bundles["corp"] = b;
  ConfigMapCertsState target{
      "team-a", "corp", "corp", {{"trust.pem", {Ca("CN=Corp", "2", 8000)}}}, 0};
  d.bundle_targets[ObjectKey("team-a", "corp")] = target;
  target.ns = "team-b";
  d.bundle_targets[ObjectKey("team-b", "corp")] = target;
  d.csrs["csr-1"] =
      CsrState{"", "csr-1", "kubernetes.io/kubelet-serving", 100, CsrCondition::kDenied};

  TlsProbeResult kubelet;
  kubelet.target = "10.0.0.21:10250";
  kubelet.server_name = "10.0.0.21";
  kubelet.source = "node:worker-1";
  kubelet.success = kubelet.verified = true;
  d.tls[TlsResultKey(kubelet.target, kubelet.server_name)] = kubelet;

  const std::vector<LandingRow> rows = CollectLandingRows(d, 6000);
  const LandingRow* node = Find(rows, "TLS endpoint", "10.0.0.21:10250");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->detail, "kubelet of Node worker-1");
  const LandingRow* ca =
      Find(rows, "caBundle CA", "ValidatingWebhookConfiguration/hook v.example.com");
  ASSERT_NE(ca, nullptr);
  EXPECT_EQ(ca->detail, "CN=Hook CA (serial 0a)");
  EXPECT_EQ(ca->ready, "False");  // expired at 6000
  EXPECT_EQ(ca->failure, "expired");
  const LandingRow* verdict =
      Find(rows, "caBundle", "ValidatingWebhookConfiguration/hook v.example.com");
  ASSERT_NE(verdict, nullptr);
  EXPECT_EQ(verdict->failure, "stale_ca_bundle");
  EXPECT_EQ(verdict->ready, "False");
  const LandingRow* root = Find(rows, "ConfigMap CA", "ca-bundle ca.crt");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->ns, "prod");
  EXPECT_EQ(root->ready, "True");
  const LandingRow* bundle = Find(rows, "Bundle", "corp");
  ASSERT_NE(bundle, nullptr);
  EXPECT_EQ(bundle->failure, "not_synced");
  EXPECT_EQ(bundle->failure_message, "SourceNotFound: secret gone");
  // Once, though two namespaces hold the target.
  EXPECT_EQ(std::count_if(rows.begin(), rows.end(),
                          [](const LandingRow& r) { return r.kind == "Bundle CA"; }),
            1);
  const LandingRow* csr = Find(rows, "CSR", "csr-1");
  ASSERT_NE(csr, nullptr);
  EXPECT_EQ(csr->ready, "False");
  EXPECT_EQ(csr->failure, "Denied");
}

}  // namespace
}  // namespace certwatch
