#include "exporter/kube/decode_ca_bundles.h"

#include <gtest/gtest.h>

#include <string>

#include "common/base64.h"
#include "tests/kube/decode_support.h"

namespace certwatch {
namespace {

using testing::kCaNotAfter;
using testing::kCaPem;

std::string Bundle() { return Base64Encode(std::string(kCaPem) + kCaPem); }

TEST(DecodeCaBundles, ValidatingWebhookConfigurationOneEntryPerWebhook) {
  DecodeOutput d;
  auto o = testing::DecodeJson<CaBundleObjectState>(
      R"({"metadata": {"name": "cert-manager-webhook", "resourceVersion": "7"}, "webhooks": [
        {"name": "webhook.cert-manager.io", "clientConfig": {"caBundle": ")" +
          Bundle() +
          R"(", "service": {"namespace": "cert-manager", "name": "cert-manager-webhook",
             "path": "/validate"}}},
        {"name": "by-url.example.com", "clientConfig": {"url": "https://10.0.0.1:8443/x"}},
        {"name": "no-client.example.com"}]})",
      DecodeValidatingWebhookConfiguration, d);
  EXPECT_EQ(d.warning, "");
  EXPECT_EQ(d.meta.resource_version, "7");
  EXPECT_EQ(o.kind, "ValidatingWebhookConfiguration");
  EXPECT_EQ(o.name, "cert-manager-webhook");
  ASSERT_EQ(o.entries.size(), 2u);
  const CaBundleEntry& e = o.entries[0];
  EXPECT_EQ(e.webhook, "webhook.cert-manager.io");
  EXPECT_EQ(e.error, "");
  ASSERT_EQ(e.cas.size(), 2u);  // one subject twice: both kept
  EXPECT_EQ(e.cas[0].subject, "CN=Webhook CA");
  EXPECT_EQ(e.cas[0].serial, "1f");
  EXPECT_EQ(e.cas[0].not_after, kCaNotAfter);
  EXPECT_EQ(e.client.service_namespace, "cert-manager");
  EXPECT_EQ(e.client.service_name, "cert-manager-webhook");
  EXPECT_EQ(e.client.path, "/validate");
  EXPECT_EQ(e.client.port, 443);  // the API's default
  EXPECT_EQ(o.entries[1].client.url, "https://10.0.0.1:8443/x");
  EXPECT_EQ(o.entries[1].pem, "");  // none: the API server uses the system roots
}

TEST(DecodeCaBundles, ACaBundleThatIsNotPemCertificatesIsTheEntrysError) {
  CaBundleEntry e;
  ParseCaBundle("%%%", e);
  EXPECT_NE(e.error.find("not base64"), std::string::npos) << e.error;
  ParseCaBundle(Base64Encode("just text"), e);
  EXPECT_EQ(e.error, "caBundle: no PEM CERTIFICATE block");
  ParseCaBundle(Base64Encode("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), e);
  EXPECT_NE(e.error, "");
  EXPECT_TRUE(e.cas.empty());
  ParseCaBundle(Base64Encode(kCaPem), e);
  EXPECT_EQ(e.error, "");
  EXPECT_EQ(e.cas.size(), 1u);
}

TEST(DecodeCaBundles, AWrongTypeNamesObjectAndFieldAndKeepsTheRest) {
  DecodeOutput d;
  auto o = testing::DecodeJson<CaBundleObjectState>(
      R"({"metadata": {"name": "m"}, "webhooks": [{"name": "a.example.com", "clientConfig":
         {"caBundle": 12, "service": {"namespace": "ns", "name": "svc", "port": "https"}}}]})",
      DecodeMutatingWebhookConfiguration, d);
  EXPECT_EQ(d.warning,
            "MutatingWebhookConfiguration m: webhooks[0].clientConfig.caBundle: "
            "not a string");
  ASSERT_EQ(o.entries.size(), 1u);
  EXPECT_EQ(o.entries[0].client.service_name, "svc");
  EXPECT_EQ(o.entries[0].client.port, 443);
}

TEST(DecodeCaBundles, ApiServiceLocalHasNoEntry) {
  DecodeOutput d;
  auto local = testing::DecodeJson<CaBundleObjectState>(
      R"({"metadata": {"name": "v1.apps"}, "spec": {"service": null, "group": "apps"}})",
      DecodeApiService, d);
  EXPECT_TRUE(local.entries.empty());
  auto remote = testing::DecodeJson<CaBundleObjectState>(
      R"({"metadata": {"name": "v1beta1.metrics.k8s.io"}, "spec": {"caBundle": ")" +
          Base64Encode(kCaPem) +
          R"(", "service": {"namespace": "kube-system", "name": "metrics-server", "port": 8443}}})",
      DecodeApiService, d);
  EXPECT_EQ(d.warning, "");
  ASSERT_EQ(remote.entries.size(), 1u);
  EXPECT_EQ(remote.kind, "APIService");
  EXPECT_EQ(remote.entries[0].webhook, "");
  EXPECT_EQ(remote.entries[0].client.port, 8443);
  EXPECT_EQ(remote.entries[0].cas.size(), 1u);
}

TEST(DecodeCaBundles, CrdOnlyWithAWebhookConversion) {
  DecodeOutput d;
  const std::string client = R"({"clientConfig": {"caBundle": ")" + Base64Encode(kCaPem) +
                             R"(", "service": {"namespace": "ns", "name": "conv"}}})";
  auto none = testing::DecodeJson<CaBundleObjectState>(
      R"({"metadata": {"name": "a.example.com"}, "spec": {"versions": [{"name": "v1",
         "schema": {"openAPIV3Schema": {"type": "object"}}}],
         "conversion": {"strategy": "None", "webhook": )" +
          client + "}}}",
      DecodeCrdConversion, d);
  EXPECT_TRUE(none.entries.empty());
  auto webhook = testing::DecodeJson<CaBundleObjectState>(
      R"({"metadata": {"name": "b.example.com"}, "spec": {"conversion": {"strategy": "Webhook",
         "webhook": )" +
          client + "}}}",
      DecodeCrdConversion, d);
  EXPECT_EQ(d.warning, "");
  ASSERT_EQ(webhook.entries.size(), 1u);
  EXPECT_EQ(webhook.kind, "CustomResourceDefinition");
  EXPECT_EQ(webhook.entries[0].client.service_name, "conv");
}

TEST(DecodeCaBundles, ServicePortsAndReadyEndpoints) {
  DecodeOutput d;
  auto svc = testing::DecodeJson<ServiceState>(
      R"({"metadata": {"namespace": "cert-manager", "name": "webhook"}, "spec": {"ports": [
         {"name": "https", "port": 443, "targetPort": "https"}, {"port": 80, "targetPort": 8080},
         {"port": 81}]}})",
      DecodeService, d);
  EXPECT_EQ(d.warning, "");
  EXPECT_EQ(svc.ns, "cert-manager");
  ASSERT_EQ(svc.ports.size(), 3u);
  EXPECT_EQ(svc.ports[0].target_port_name, "https");
  EXPECT_EQ(svc.ports[1].target_port, 8080);
  EXPECT_EQ(svc.ports[2].target_port, 0);

  auto slice = testing::DecodeJson<EndpointSliceState>(
      R"({"metadata": {"namespace": "cert-manager", "name": "webhook-x1",
          "labels": {"kubernetes.io/service-name": "webhook", "other": "x"}},
         "endpoints": [{"addresses": ["10.0.0.7"], "conditions": {"ready": true}},
                       {"addresses": ["10.0.0.8"], "conditions": {"ready": false}},
                       {"addresses": ["10.0.0.9"], "conditions": {"ready": null}},
                       {"addresses": ["10.0.0.10"]}],
         "ports": [{"name": "https", "port": 10250}]})",
      DecodeEndpointSlice, d);
  EXPECT_EQ(d.warning, "");
  EXPECT_EQ(slice.service, "webhook");
  EXPECT_EQ(slice.addresses, (std::vector<std::string>{"10.0.0.7", "10.0.0.9", "10.0.0.10"}));
  ASSERT_EQ(slice.ports.size(), 1u);
  EXPECT_EQ(slice.ports[0].port, 10250);
}

}  // namespace
}  // namespace certwatch
