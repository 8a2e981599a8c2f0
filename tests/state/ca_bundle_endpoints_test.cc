#include "state/ca_bundle_endpoints.h"

#include <gtest/gtest.h>

#include "state/keys.h"

namespace certwatch {
namespace {

StateData WithWebhook(WebhookClientConfig client, std::string error = "") {
  StateData s;
  CaBundleObjectState o;
  o.kind = "ValidatingWebhookConfiguration";
  o.name = "example";
  CaBundleEntry e;
  e.webhook = "validate.example.com";
  e.client = std::move(client);
  e.error = std::move(error);
  o.entries.push_back(std::move(e));
  s.ca_bundles[CaBundleKey(o.kind, o.name)] = std::move(o);
  return s;
}

WebhookClientConfig Service(int port = 443) {
  WebhookClientConfig c;
  c.service_namespace = "hooks";
  c.service_name = "svc";
  c.port = port;
  return c;
}

void AddService(StateData& s, ServicePortState port) {
  ServiceState svc{"hooks", "svc", {std::move(port)}};
  s.services[ObjectKey("hooks", "svc")] = svc;
}

void AddSlice(StateData& s, std::string name, std::string service,
              std::vector<std::string> addresses, std::vector<EndpointPortState> ports) {
  s.endpoint_slices[ObjectKey("hooks", name)] =
      EndpointSliceState{"hooks", name, std::move(service), std::move(addresses), std::move(ports)};
}

TEST(ResolveCaBundles, ServicePortMapsToTheSlicePortOfTheSameName) {
  StateData s = WithWebhook(Service());
  AddService(s, {"https", 443, 0, "webhook"});
  AddSlice(s, "svc-a", "svc", {"10.0.0.7", "10.0.0.8"}, {{"https", 10250}, {"metrics", 9402}});
  AddSlice(s, "other-a", "other", {"10.0.0.9"}, {{"https", 1}});
  auto r = ResolveCaBundles(s);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].source, "ca_bundle:ValidatingWebhookConfiguration/example/validate.example.com");
  EXPECT_EQ(r[0].service, "hooks/svc:443");
  EXPECT_EQ(r[0].server_name, "svc.hooks.svc");
  EXPECT_EQ(r[0].problem, "");
  ASSERT_EQ(r[0].endpoints.size(), 2u);
  EXPECT_EQ(r[0].endpoints[0].host, "10.0.0.7");
  EXPECT_EQ(r[0].endpoints[0].port, 10250);
}

TEST(ResolveCaBundles, NumericTargetPortAndUnsetTargetPort) {
  StateData s = WithWebhook(Service());
  AddService(s, {"", 443, 8443, ""});
  AddSlice(s, "svc-a", "svc", {"10.0.0.7"}, {});
  EXPECT_EQ(ResolveCaBundles(s)[0].endpoints[0].port, 8443);
  AddService(s, {"", 443, 0, ""});
  EXPECT_EQ(ResolveCaBundles(s)[0].endpoints[0].port, 443);
}

TEST(ResolveCaBundles, SaysWhyThereIsNoEndpoint) {
  StateData s = WithWebhook(Service(9443));
  EXPECT_EQ(ResolveCaBundles(s)[0].problem, "Service hooks/svc not found");
  AddService(s, {"https", 443, 0, "webhook"});
  EXPECT_EQ(ResolveCaBundles(s)[0].problem, "Service hooks/svc has no port 9443");
  s = WithWebhook(Service());
  AddService(s, {"https", 443, 0, "webhook"});
  AddSlice(s, "svc-a", "svc", {}, {{"https", 10250}});
  EXPECT_EQ(ResolveCaBundles(s)[0].problem, "Service hooks/svc has no ready endpoint");
  // A named targetPort that no slice port carries cannot be reached.
  AddSlice(s, "svc-a", "svc", {"10.0.0.7"}, {{"metrics", 9402}});
  EXPECT_EQ(ResolveCaBundles(s)[0].problem, "Service hooks/svc has no ready endpoint");
}

TEST(ResolveCaBundles, Urls) {
  struct Case {
    std::string url, host;
    int port;
    bool ok;
  } cases[] = {
      {"https://webhook.example.com/validate", "webhook.example.com", 443, true},
      {"https://10.0.0.1:8443/x?y", "10.0.0.1", 8443, true},
      {"https://[fd00::1]:9443", "fd00::1", 9443, true},
      {"https://[fd00::1]", "fd00::1", 443, true},
      {"http://webhook.example.com", "", 0, false},
      {"https://host:0/", "", 0, false},
      {"https://host:99999/", "", 0, false},
      {"https://:443/", "", 0, false},
      {"https://[fd00::1/", "", 0, false},
  };
  for (const auto& c : cases) {
    WebhookClientConfig client;
    client.url = c.url;
    StateData s = WithWebhook(client);
    auto r = ResolveCaBundles(s);
    ASSERT_EQ(r.size(), 1u);
    if (!c.ok) {
      EXPECT_EQ(r[0].problem, "url " + c.url + " is not https://host[:port][/path]") << c.url;
      EXPECT_TRUE(r[0].endpoints.empty()) << c.url;
      continue;
    }
    EXPECT_EQ(r[0].problem, "") << c.url;
    ASSERT_EQ(r[0].endpoints.size(), 1u) << c.url;
    EXPECT_EQ(r[0].endpoints[0].host, c.host) << c.url;
    EXPECT_EQ(r[0].endpoints[0].port, c.port) << c.url;
    EXPECT_EQ(r[0].server_name, c.host) << c.url;
  }
}

TEST(CaBundleFailureReason, FromTheProbesVerdict) {
  CaBundleProbeState p;
  EXPECT_EQ(CaBundleFailureReason(p), "unreachable");
  p.success = true;
  p.verify_reason = VerifyReason::kUnknownAuthority;
  EXPECT_EQ(CaBundleFailureReason(p), "stale_ca_bundle");
  p.verify_reason = VerifyReason::kHostnameMismatch;
  EXPECT_EQ(CaBundleFailureReason(p), "hostname_mismatch");
  p.verify_reason = VerifyReason::kExpired;
  EXPECT_EQ(CaBundleFailureReason(p), "expired");
  p.verify_reason = VerifyReason::kOk;
  p.verified = true;
  EXPECT_EQ(CaBundleFailureReason(p), "");
}

}  // namespace
}  // namespace certwatch
