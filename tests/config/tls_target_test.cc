// The resolved TLS target: built once by the loader, the one form the exporter, `status
// certificate` and `probe tls` probe.
#include "config/tls_target.h"

#include <gtest/gtest.h>

#include "config/allow_list.h"
#include "config/config.h"

namespace certwatch {
namespace {

TEST(ResolveTlsTarget, DefaultsTheServerNameAndParsesEveryField) {
  TlsTargetConfig t;
  t.address = "[2001:db8::1]:8443";
  t.min_version = "TLS1.3";
  t.starttls = "postgres";
  t.ca_file = "/ca.pem";
  t.certificate = "shop/web";
  auto r = ResolveTlsTarget(t);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->address, "[2001:db8::1]:8443");
  EXPECT_EQ(r->host, "2001:db8::1");
  EXPECT_EQ(r->port, 8443);
  EXPECT_EQ(r->server_name, "2001:db8::1");
  EXPECT_EQ(r->min_version, TlsVersion::kTls1_3);
  EXPECT_EQ(r->starttls, StartTlsProtocol::kPostgres);
  EXPECT_EQ(r->ca_file, "/ca.pem");
  EXPECT_EQ(r->certificate, "shop/web");
}

TEST(ResolveTlsTarget, KeyIgnoresCaseAndTheDefaultedServerName) {
  TlsTargetConfig a, b;
  a.address = "a.example.test:443";
  b.address = "A.Example.Test:443";
  b.server_name = "a.example.test";
  EXPECT_EQ(ResolveTlsTarget(a)->Key(), ResolveTlsTarget(b)->Key());
  b.server_name = "b.example.test";
  EXPECT_NE(ResolveTlsTarget(a)->Key(), ResolveTlsTarget(b)->Key());
}

TEST(ResolveTlsTarget, ErrorsStartWithTheField) {
  TlsTargetConfig t;
  t.address = "no-port";
  EXPECT_EQ(ResolveTlsTarget(t).error().message.rfind("address: bad address", 0), 0u);
  t.address = "a.test:443";
  t.min_version = "TLS0.9";
  EXPECT_EQ(ResolveTlsTarget(t).error().message,
            "min_version: unknown TLS version \"TLS0.9\" (want TLS1.2 or TLS1.3)");
  t.min_version = "";
  t.starttls = "imap";
  EXPECT_EQ(ResolveTlsTarget(t).error().message,
            "starttls: unknown protocol \"imap\" (want smtp or postgres)");
}

TEST(ResolveTlsProbes, TheLoaderFillsTargetsAndAllowList) {
  auto c = ParseConfig(
      "tls_probes:\n"
      "  allowed_cidrs: [\"10.0.0.0/8\"]\n"
      "  allowed_domain_suffixes: [\"Example.Test\"]\n"
      "  targets:\n"
      "    - address: \"a.example.test:443\"\n"
      "      starttls: smtp\n",
      "t.yaml");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->tls_probes.resolved_targets.size(), 1u);
  EXPECT_EQ(c->tls_probes.resolved_targets[0].server_name, "a.example.test");
  EXPECT_EQ(c->tls_probes.resolved_targets[0].starttls, StartTlsProtocol::kSmtp);
  EXPECT_TRUE(c->tls_probes.allow_list.IpAllowed("10.1.2.3"));
  EXPECT_FALSE(c->tls_probes.allow_list.IpAllowed("11.1.2.3"));
  EXPECT_TRUE(c->tls_probes.allow_list.NameAllowed("lb.example.test"));
}

TEST(ParseCidr, NetworksAndBareAddresses) {
  auto n = ParseCidr("192.168.1.128/25");
  ASSERT_TRUE(n);
  EXPECT_TRUE(n->Contains("192.168.1.200"));
  EXPECT_FALSE(n->Contains("192.168.1.100"));
  EXPECT_FALSE(n->Contains("fd00::1"));
  EXPECT_FALSE(n->Contains("not-an-ip"));
  EXPECT_FALSE(ParseCidr("203.0.113.7"));
  auto host = ParseCidr("203.0.113.7", /*bare_ip_is_host=*/true);
  ASSERT_TRUE(host);
  EXPECT_EQ(host->prefix, 32);
  EXPECT_EQ(ParseCidr("10.0.0.0/33").error().message,
            "bad CIDR \"10.0.0.0/33\": prefix length must be 0-32");
  EXPECT_EQ(ParseCidr("fd00::/129").error().message,
            "bad CIDR \"fd00::/129\": prefix length must be 0-128");
  auto zero = ParseCidr("0.0.0.0/0");
  ASSERT_TRUE(zero);
  EXPECT_TRUE(zero->Contains("8.8.8.8"));
}

}  // namespace
}  // namespace certwatch
