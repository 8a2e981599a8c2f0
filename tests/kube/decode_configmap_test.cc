#include "exporter/kube/decode_configmap.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/kube/decode_support.h"

namespace certwatch {
namespace {

using testing::kCaPem;
constexpr char kBadBlock[] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";

std::string Json(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

TEST(ParsePemCertificateBlocks, CountsWhatDoesNotParse) {
  std::vector<CertFacts> certs;
  EXPECT_EQ(ParsePemCertificateBlocks(std::string(kCaPem) + "text between\n" + kCaPem, certs), 0);
  EXPECT_EQ(certs.size(), 2u);
  certs.clear();
  EXPECT_EQ(ParsePemCertificateBlocks(std::string(kBadBlock) + kCaPem, certs), 1);
  EXPECT_EQ(certs.size(), 1u);
  certs.clear();
  EXPECT_EQ(ParsePemCertificateBlocks("-----BEGIN CERTIFICATE-----\nMIIB", certs), 1);
  EXPECT_EQ(ParsePemCertificateBlocks("no pem at all", certs), 0);
  EXPECT_TRUE(certs.empty());
}

TEST(DecodeConfigMap, PemKeysOnlyAndTheBundleLabel) {
  DecodeOutput d;
  auto cm = testing::DecodeJson<ConfigMapCertsState>(
      R"({"metadata": {"namespace": "prod", "name": "ca-bundle",
          "labels": {"trust.cert-manager.io/bundle": "corp-trust"}},
         "data": {"ca.crt": ")" +
          Json(std::string(kCaPem) + kCaPem) + R"(", "settings.yaml": "a: b",
                  "bad.pem": ")" +
          Json(kBadBlock) + R"("},
         "binaryData": {"blob": "AAAA"}})",
      DecodeConfigMap, d);
  EXPECT_EQ(cm.ns, "prod");
  EXPECT_EQ(cm.name, "ca-bundle");
  EXPECT_EQ(cm.bundle, "corp-trust");
  ASSERT_EQ(cm.keys.size(), 1u);
  EXPECT_EQ(cm.keys[0].key, "ca.crt");
  ASSERT_EQ(cm.keys[0].certs.size(), 2u);
  EXPECT_EQ(cm.keys[0].certs[1].serial, "1f");
  EXPECT_EQ(cm.keys[0].certs[1].not_after, 2111767915);
  EXPECT_EQ(cm.invalid_blocks, 1);
  EXPECT_EQ(d.warning, "ConfigMap prod/ca-bundle: data: 1 CERTIFICATE block(s) do not parse");
}

TEST(DecodeBundle, TargetKeyAndSynced) {
  DecodeOutput d;
  auto b = testing::DecodeJson<BundleState>(
      R"({"metadata": {"name": "corp-trust"}, "spec": {"sources": [{"useDefaultCAs": true}],
         "target": {"configMap": {"key": "trust-bundle.pem"}, "namespaceSelector": {}}},
         "status": {"conditions": [{"type": "Synced", "status": "False", "reason": "SourceNotFound",
                                    "message": "secret not found"}]}})",
      DecodeBundle, d);
  EXPECT_EQ(d.warning, "");
  EXPECT_EQ(b.name, "corp-trust");
  EXPECT_EQ(b.target_key, "trust-bundle.pem");
  ASSERT_TRUE(b.synced.has_value());
  EXPECT_FALSE(*b.synced);
  EXPECT_EQ(b.synced_reason, "SourceNotFound");
  auto fresh = testing::DecodeJson<BundleState>(R"({"metadata": {"name": "new"}, "spec": {}})",
                                                DecodeBundle, d);
  EXPECT_FALSE(fresh.synced.has_value());
  EXPECT_EQ(fresh.target_key, "");
}

}  // namespace
}  // namespace certwatch
