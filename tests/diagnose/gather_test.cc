// The walk's selection rules (revision + 1, owner references, endpoints from config and
// Ingresses) and how failed lookups are reported, against an in-memory cluster.
#include "diagnose/gather.h"

#include <gtest/gtest.h>

#include <map>

namespace certwatch {
namespace {

class FakeCluster : public ClusterReader {
 public:
  std::map<std::string, CertificateState> certs;
  std::map<std::string, IssuerState> issuers;  // "ClusterIssuer/x", "Issuer/ns/x"
  std::map<std::string, SecretCertState> secrets;
  std::vector<CertificateRequestState> requests;
  std::vector<OrderState> orders;
  std::vector<ChallengeState> challenges;
  std::vector<IngressState> ingresses;
  std::vector<KubeEvent> events;
  std::string fail_orders;  // error of Orders() when set
  std::string fail_certificate;
  std::vector<std::string> calls;

  Result<std::optional<CertificateState>> Certificate(const std::string& ns,
                                                      const std::string& name) override {
    calls.push_back("certificate");
    if (!fail_certificate.empty()) return Error{fail_certificate};
    auto it = certs.find(ns + "/" + name);
    if (it == certs.end()) return std::optional<CertificateState>();
    return std::optional<CertificateState>(it->second);
  }
  Result<std::optional<IssuerState>> Issuer(const std::string& ns, const IssuerRef& ref) override {
    calls.push_back("issuer");
    auto it = issuers.find(ref.kind == "ClusterIssuer" ? "ClusterIssuer/" + ref.name
                                                       : "Issuer/" + ns + "/" + ref.name);
    if (it == issuers.end()) return std::optional<IssuerState>();
    return std::optional<IssuerState>(it->second);
  }
  Result<std::optional<SecretCertState>> Secret(const std::string& ns,
                                                const std::string& name) override {
    calls.push_back("secret");
    auto it = secrets.find(ns + "/" + name);
    if (it == secrets.end()) return std::optional<SecretCertState>();
    return std::optional<SecretCertState>(it->second);
  }
  Result<std::vector<CertificateRequestState>> Requests(const std::string&) override {
    calls.push_back("requests");
    return requests;
  }
  Result<std::vector<OrderState>> Orders(const std::string&) override {
    calls.push_back("orders");
    if (!fail_orders.empty()) return Error{fail_orders};
    return orders;
  }
  Result<std::vector<ChallengeState>> Challenges(const std::string&) override {
    calls.push_back("challenges");
    return challenges;
  }
  Result<std::vector<IngressState>> Ingresses(const std::string&) override {
    calls.push_back("ingresses");
    return ingresses;
  }
  Result<std::vector<KubeEvent>> Events(const std::string&, const std::string& kind,
                                        const std::string& name) override {
    calls.push_back("events " + kind + "/" + name);
    std::vector<KubeEvent> out;
    for (const auto& e : events) {
      if (e.kind == kind && e.name == name) out.push_back(e);
    }
    return out;
  }
};

class FakeNetwork : public NetworkChecker {
 public:
  std::vector<EndpointTarget> probed;
  std::vector<ChallengeState> dns_asked;
  std::vector<TlsProbeResult> ProbeEndpoints(const std::vector<EndpointTarget>& t) override {
    probed = t;
    std::vector<TlsProbeResult> out;
    for (const auto& e : t) {
      TlsProbeResult r;
      r.target = e.target.address;
      r.server_name = e.target.server_name;
      r.source = e.source;
      out.push_back(r);
    }
    return out;
  }
  DnsCheckResult CheckDns(const CertificateState&, const std::optional<IssuerState>&,
                          const std::vector<ChallengeState>& ch) override {
    dns_asked = ch;
    DnsCheckResult r;
    r.caa_skipped = "fake";
    return r;
  }
};

CertificateRequestState Request(std::string name, std::string cert, int rev, UnixSeconds created) {
  CertificateRequestState r;
  r.ns = "shop";
  r.name = std::move(name);
  r.certificate = std::move(cert);
  r.revision = rev;
  r.created = created;
  return r;
}

FakeCluster Cluster() {
  FakeCluster f;
  CertificateState c;
  c.ns = "shop";
  c.name = "web";
  c.issuer = {"le", "ClusterIssuer", "cert-manager.io"};
  c.secret_name = "web-tls";
  c.revision = 2;
  f.certs["shop/web"] = c;
  IssuerState i;
  i.name = "le";
  i.kind = "ClusterIssuer";
  f.issuers["ClusterIssuer/le"] = i;
  f.requests = {Request("web-2", "web", 2, 100), Request("web-3-old", "web", 3, 200),
                Request("web-3", "web", 3, 300), Request("other-3", "other", 3, 400)};
  OrderState o1, o2, o3;
  o1.ns = o2.ns = o3.ns = "shop";
  o1.name = "web-3-1";
  o1.request = "web-3";
  o1.created = 310;
  o2.name = "web-3-2";
  o2.request = "web-3";
  o2.created = 320;
  o3.name = "web-2-1";
  o3.request = "web-2";
  o3.created = 330;
  f.orders = {o1, o2, o3};
  ChallengeState a, b, x;
  a.ns = b.ns = x.ns = "shop";
  a.name = "web-3-2-b";
  a.order = "web-3-2";
  b.name = "web-3-2-a";
  b.order = "web-3-2";
  x.name = "web-3-1-a";
  x.order = "web-3-1";
  f.challenges = {a, b, x};
  return f;
}

TEST(Gather, WalksRevisionPlusOneToItsNewestOrderAndItsChallenges) {
  FakeCluster f = Cluster();
  Config config;
  auto in = GatherDiagnosis(f, nullptr, config, "shop", "web");
  ASSERT_TRUE(in) << in.error().message;
  ASSERT_TRUE(in->issuer);
  EXPECT_FALSE(in->secret);
  EXPECT_TRUE(in->secret_error.empty());
  EXPECT_EQ(in->request_revision, 3);
  ASSERT_TRUE(in->request);
  EXPECT_EQ(in->request->name, "web-3");  // the newer of the two revision-3 requests
  ASSERT_TRUE(in->order);
  EXPECT_EQ(in->order->name, "web-3-2");
  ASSERT_EQ(in->challenges.size(), 2u);
  EXPECT_EQ(in->challenges[0].name, "web-3-2-a");
  EXPECT_EQ(in->challenges[1].name, "web-3-2-b");
  EXPECT_EQ(in->caa_skipped, "network checks disabled");
  EXPECT_TRUE(in->endpoints_skipped.empty());  // nothing to probe anyway
}

TEST(Gather, EventsOfEveryChainObjectOldestFirst) {
  FakeCluster f = Cluster();
  f.events = {{"Order", "web-3-2", "Warning", "Failed", "429 rateLimited", 2, 500},
              {"Certificate", "web", "Normal", "Issuing", "Issuing certificate", 1, 100},
              {"Order", "web-3-1", "Warning", "Failed", "an older order", 1, 50},
              {"Challenge", "web-3-2-a", "Normal", "Presented", "Presented", 1, 300}};
  Config config;
  auto in = GatherDiagnosis(f, nullptr, config, "shop", "web");
  ASSERT_TRUE(in);
  ASSERT_EQ(in->events.size(), 3u);
  EXPECT_EQ(in->events[0].reason, "Issuing");
  EXPECT_EQ(in->events[1].reason, "Presented");
  EXPECT_EQ(in->events[2].message, "429 rateLimited");
  EXPECT_EQ(std::count(f.calls.begin(), f.calls.end(), "events Challenge/web-3-2-b"), 1);
}

TEST(Gather, NoNextRequestStopsTheWalkThere) {
  FakeCluster f = Cluster();
  f.certs["shop/web"].revision = 3;
  Config config;
  auto in = GatherDiagnosis(f, nullptr, config, "shop", "web");
  ASSERT_TRUE(in);
  EXPECT_FALSE(in->request);
  EXPECT_FALSE(in->order);
  EXPECT_EQ(std::count(f.calls.begin(), f.calls.end(), "orders"), 0);
}

TEST(Gather, MissingCertificateIsAnErrorNamingIt) {
  FakeCluster f = Cluster();
  Config config;
  auto in = GatherDiagnosis(f, nullptr, config, "shop", "nope");
  ASSERT_FALSE(in);
  EXPECT_EQ(in.error().message, "Certificate shop/nope not found");
  f.fail_certificate = "get Certificate shop/web: 403 Forbidden";
  in = GatherDiagnosis(f, nullptr, config, "shop", "web");
  ASSERT_FALSE(in);
  EXPECT_EQ(in.error().message, "Certificate shop/web: get Certificate shop/web: 403 Forbidden");
}

TEST(Gather, FailedListIsReportedNotFatal) {
  FakeCluster f = Cluster();
  f.fail_orders = "list orders in shop: 403 Forbidden";
  Config config;
  auto in = GatherDiagnosis(f, nullptr, config, "shop", "web");
  ASSERT_TRUE(in);
  EXPECT_FALSE(in->order);
  ASSERT_EQ(in->gather_errors.size(), 1u);
  EXPECT_EQ(in->gather_errors[0], "Orders: list orders in shop: 403 Forbidden");
}

TEST(Gather, EndpointsFromConfigAndIngressesGoToTheNetworkChecker) {
  FakeCluster f = Cluster();
  IngressState ing;
  ing.ns = "shop";
  ing.name = "web";
  ing.tls = {{{"web.example.test", "*.example.test"}, "web-tls"},
             {{"api.example.test"}, "api-tls"}};
  ing.addresses = {"127.0.0.5"};
  IngressState other = ing;
  other.ns = "elsewhere";
  f.ingresses = {ing, other};
  Config config;
  config.kubernetes.ingress_port = 8443;
  TlsTargetConfig mine, theirs;
  mine.address = "10.0.0.1:443";
  mine.certificate = "shop/web";
  theirs.address = "10.0.0.2:443";
  theirs.certificate = "shop/api";
  config.tls_probes.targets = {mine, theirs};
  ASSERT_TRUE(ResolveTlsProbes(config.tls_probes));
  FakeNetwork net;
  auto in = GatherDiagnosis(f, &net, config, "shop", "web");
  ASSERT_TRUE(in);
  ASSERT_EQ(net.probed.size(), 2u);
  EXPECT_EQ(net.probed[0].target.address, "10.0.0.1:443");
  EXPECT_EQ(net.probed[0].source, "tls_probes.targets");
  EXPECT_EQ(net.probed[1].target.address, "127.0.0.5:8443");
  EXPECT_EQ(net.probed[1].target.server_name, "web.example.test");
  EXPECT_EQ(net.probed[1].source, "ingress:shop/web");
  EXPECT_EQ(in->endpoints.size(), 2u);
  EXPECT_EQ(net.dns_asked.size(), 2u);
  EXPECT_EQ(in->caa_skipped, "fake");

  // --no-probes: the same targets are named as skipped, not "none known".
  auto quiet = GatherDiagnosis(f, nullptr, config, "shop", "web");
  ASSERT_TRUE(quiet);
  EXPECT_TRUE(quiet->endpoints.empty());
  EXPECT_EQ(quiet->endpoints_skipped, "network checks disabled");
}

TEST(Gather, IngressWithoutAddressIsProbedByHostName) {
  CertificateState c;
  c.ns = "shop";
  c.name = "web";
  c.secret_name = "web-tls";
  IngressState ing;
  ing.ns = "shop";
  ing.name = "web";
  ing.tls = {{{"web.example.test"}, "web-tls"}};
  Config config;
  auto t = EndpointsFor(config, c, {ing, ing});
  ASSERT_EQ(t.size(), 1u);  // duplicates folded
  EXPECT_EQ(t[0].target.address, "web.example.test:443");
  EXPECT_EQ(t[0].target.certificate, "shop/web");
}

}  // namespace
}  // namespace certwatch
