// TLS prober: pure pieces on literal input (STARTTLS, verify reasons, allow-list, Ingress
// discovery, drift bookkeeping, the collector) and the prober and scheduler on the shared
// EventLoop against real `openssl s_server` peers started here.
#include "probes/tls.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <thread>

#include "common/x509.h"
#include "exporter/collector.h"
#include "probes/loop_thread.h"
#include "probes/starttls.h"
#include "probes/targets.h"
#include "probes/tls_scheduler.h"
#include "probes/tls_verify.h"
#include "tests/probes/tls_server_support.h"

namespace certwatch {

void CollectTlsProbes(const StateData&, const CollectContext&, MetricSink&);

namespace {

using namespace std::chrono_literals;
using testing::CertFiles;
using testing::SServer;
using testing::TempDir;

constexpr char kHost[] = "127.0.0.4";

// --- STARTTLS ---------------------------------------------------------------------------

TEST(StartTls, SmtpMultiLineRepliesThenStartTls) {
  StartTlsSession s(StartTlsProtocol::kSmtp);
  EXPECT_EQ(s.Begin(), "");
  std::string out;
  EXPECT_EQ(s.Feed("220-mail.example.test ESMTP\r\n220 ", out), StartTlsSession::State::kNeedInput);
  EXPECT_EQ(out, "");
  EXPECT_EQ(s.Feed("ready\r\n", out), StartTlsSession::State::kNeedInput);
  EXPECT_EQ(out, "EHLO certwatch.invalid\r\n");
  out.clear();
  EXPECT_EQ(s.Feed("250-mail\r\n250-SIZE 1000\r\n250 starttls\r\n", out),
            StartTlsSession::State::kNeedInput);
  EXPECT_EQ(out, "STARTTLS\r\n");
  out.clear();
  EXPECT_EQ(s.Feed("220 go ahead\r\n", out), StartTlsSession::State::kDone);
  EXPECT_EQ(out, "");
}

TEST(StartTls, SmtpFailures) {
  {
    StartTlsSession s(StartTlsProtocol::kSmtp);
    std::string out;
    EXPECT_EQ(s.Feed("554 go away\r\n", out), StartTlsSession::State::kFailed);
    EXPECT_NE(s.error().find("554"), std::string::npos);
  }
  {
    StartTlsSession s(StartTlsProtocol::kSmtp);
    std::string out;
    (void)s.Feed("220 hi\r\n", out);
    EXPECT_EQ(s.Feed("250-mail\r\n250 PIPELINING\r\n", out), StartTlsSession::State::kFailed);
    EXPECT_NE(s.error().find("does not offer STARTTLS"), std::string::npos);
  }
  {
    StartTlsSession s(StartTlsProtocol::kSmtp);
    std::string out;
    EXPECT_EQ(s.Feed("SSH-2.0-OpenSSH\r\n", out), StartTlsSession::State::kFailed);
  }
  {
    StartTlsSession s(StartTlsProtocol::kSmtp);
    std::string out;
    EXPECT_EQ(s.Feed(std::string(20000, 'x'), out), StartTlsSession::State::kFailed);
  }
}

TEST(StartTls, Postgres) {
  StartTlsSession s(StartTlsProtocol::kPostgres);
  EXPECT_EQ(s.Begin(), std::string("\x00\x00\x00\x08\x04\xd2\x16\x2f", 8));
  std::string out;
  EXPECT_EQ(s.Feed("S", out), StartTlsSession::State::kDone);
  StartTlsSession n(StartTlsProtocol::kPostgres);
  EXPECT_EQ(n.Feed("N", out), StartTlsSession::State::kFailed);
  EXPECT_NE(n.error().find("refused"), std::string::npos);
  StartTlsSession early(StartTlsProtocol::kPostgres);
  EXPECT_EQ(early.Feed("S\x16\x03", out), StartTlsSession::State::kFailed);
  EXPECT_FALSE(ParseStartTls("imap"));
  EXPECT_EQ(*ParseStartTls("smtp"), StartTlsProtocol::kSmtp);
}

// --- verify reasons ---------------------------------------------------------------------

TEST(VerifyReason, MapsOpenSslErrors) {
  ChainShape plain;
  EXPECT_EQ(ToString(VerifyReasonOf(X509_V_OK, plain)), "ok");
  EXPECT_EQ(ToString(VerifyReasonOf(X509_V_ERR_CERT_HAS_EXPIRED, plain)), "expired");
  EXPECT_EQ(ToString(VerifyReasonOf(X509_V_ERR_CERT_NOT_YET_VALID, plain)), "not_yet_valid");
  EXPECT_EQ(ToString(VerifyReasonOf(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, plain)), "self_signed");
  EXPECT_EQ(ToString(VerifyReasonOf(X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, plain)),
            "unknown_authority");
  EXPECT_EQ(ToString(VerifyReasonOf(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, plain)),
            "unknown_authority");
  ChainShape aia{false, true};
  EXPECT_EQ(ToString(VerifyReasonOf(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, aia)),
            "incomplete_chain");
  ChainShape root_with_aia{true, true};
  EXPECT_EQ(ToString(VerifyReasonOf(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, root_with_aia)),
            "unknown_authority");
  EXPECT_EQ(ToString(VerifyReasonOf(X509_V_ERR_CERT_REVOKED, plain)), "revoked");
  EXPECT_EQ(ToString(VerifyReasonOf(X509_V_ERR_CERT_SIGNATURE_FAILURE, plain)), "bad_signature");
  EXPECT_EQ(ToString(VerifyReasonOf(X509_V_ERR_HOSTNAME_MISMATCH, plain)), "hostname_mismatch");
  EXPECT_EQ(ToString(VerifyReasonOf(X509_V_ERR_INVALID_PURPOSE, plain)), "invalid_purpose");
  EXPECT_EQ(ToString(VerifyReasonOf(X509_V_ERR_INVALID_CA, plain)), "invalid_ca");
  EXPECT_EQ(ToString(VerifyReasonOf(X509_V_ERR_PATH_LENGTH_EXCEEDED, plain)), "invalid_ca");
  EXPECT_EQ(ToString(VerifyReasonOf(X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD, plain)), "bad_dates");
  EXPECT_EQ(ToString(VerifyReasonOf(X509_V_ERR_OUT_OF_MEM, plain)), "unknown");
}

TEST(VerifyReason, AdviceForEveryReason) {
  EXPECT_EQ(VerifyAdvice(VerifyReason::kOk), "nothing to do");
  EXPECT_EQ(VerifyAdvice(VerifyReason::kResolveFailed), "the host name does not resolve");
  EXPECT_EQ(VerifyAdvice(std::nullopt), "inspect the chain below with openssl s_client -showcerts");
  for (VerifyReason r : kVerifyReasons) EXPECT_FALSE(VerifyAdvice(r).empty()) << ToString(r);
}

// --- allow-list and targets ---------------------------------------------------------------

TEST(AllowList, CidrsAndSuffixesOnLabelBoundaries) {
  auto a = AllowList::Parse({"10.0.0.0/8", "192.168.1.128/25", "fd00::/8", "203.0.113.7"},
                            {"example.test", ".Apps.Corp."});
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_TRUE(a->IpAllowed("10.1.2.3"));
  EXPECT_FALSE(a->IpAllowed("11.0.0.1"));
  EXPECT_TRUE(a->IpAllowed("192.168.1.200"));
  EXPECT_FALSE(a->IpAllowed("192.168.1.100"));
  EXPECT_TRUE(a->IpAllowed("fd12::1"));
  EXPECT_FALSE(a->IpAllowed("fe80::1"));
  EXPECT_TRUE(a->IpAllowed("203.0.113.7"));
  EXPECT_FALSE(a->IpAllowed("203.0.113.8"));
  EXPECT_TRUE(a->NameAllowed("example.test"));
  EXPECT_TRUE(a->NameAllowed("a.b.EXAMPLE.test."));
  EXPECT_FALSE(a->NameAllowed("badexample.test"));
  EXPECT_TRUE(a->NameAllowed("x.apps.corp"));
  // The address is allowed by CIDR, or the host by suffix.
  EXPECT_TRUE(a->Allows("10.9.9.9", "anything.invalid"));
  EXPECT_TRUE(a->Allows("169.254.169.254", "web.example.test"));
  EXPECT_FALSE(a->Allows("169.254.169.254", "metadata.internal"));
  EXPECT_TRUE(a->Allows("lb.apps.corp", "metadata.internal"));

  auto none = AllowList::Parse({}, {});
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->Allows("10.0.0.1", "web.example.test"));
  EXPECT_FALSE(AllowList::Parse({"10.0.0.0/33"}, {}));
  EXPECT_FALSE(AllowList::Parse({"not-an-ip/8"}, {}));
}

StateData SampleState() {
  StateData d;
  IngressState ing;
  ing.ns = "shop";
  ing.name = "web";
  ing.tls = {{{"www.example.test", "*.example.test", "api.example.test"}, "web-tls"}};
  ing.addresses = {"10.0.0.5", "172.16.0.9"};
  d.ingresses["shop/web"] = ing;
  IngressState dup = ing;  // a second Ingress on the same host and address
  dup.name = "web-canary";
  dup.tls = {{{"www.example.test"}, "web-tls"}};
  dup.addresses = {"10.0.0.5"};
  d.ingresses["shop/web-canary"] = dup;
  CertificateState cert;
  cert.ns = "shop";
  cert.name = "web-cert";
  cert.secret_name = "web-tls";
  d.certificates["shop/web-cert"] = cert;
  return d;
}

TEST(IngressTargets, HostsTimesAddressesLinkedToTheCertificate) {
  StateData d = SampleState();
  TlsProbesConfig config;
  config.timeout = 3s;
  config.discovery = "allow_list";
  auto allow = AllowList::Parse({"10.0.0.0/8"}, {});
  ASSERT_TRUE(allow);
  Discovery got = IngressTargets(d, config, 8443, *allow);
  std::map<std::string, TlsTarget> by_key;
  for (auto& t : got.targets) by_key[t.Key()] = t;
  ASSERT_EQ(by_key.size(), 2u);  // wildcard skipped, 172.16/12 rejected, duplicate folded
  const TlsTarget& www = by_key.at("10.0.0.5:8443|www.example.test");
  EXPECT_EQ(www.options.host, "10.0.0.5");
  EXPECT_EQ(www.options.port, 8443);
  EXPECT_EQ(www.options.server_name, "www.example.test");
  EXPECT_EQ(www.options.timeout, 3s);
  EXPECT_EQ(www.secret, "shop/web-tls");
  EXPECT_EQ(www.certificate, "shop/web-cert");
  EXPECT_EQ(www.source, "ingress:shop/web");
  EXPECT_TRUE(by_key.count("10.0.0.5:8443|api.example.test"));
  // www and api on 172.16.0.9 are outside the allow-list; the wildcard has no SNI name.
  ASSERT_EQ(got.skipped.size(), 3u);
  EXPECT_EQ(got.skipped[0].target, "*.example.test");
  EXPECT_EQ(got.skipped[0].reason, "wildcard_host");
  EXPECT_EQ(got.skipped[1].target, "api.example.test@172.16.0.9:8443");
  EXPECT_EQ(got.skipped[1].reason, "not_allowed");
  EXPECT_EQ(got.skipped[2].target, "www.example.test@172.16.0.9:8443");
  EXPECT_EQ(got.skipped[2].reason, "not_allowed");
}

TEST(IngressTargets, ByDefaultWhatACertificateCoversIsProbedAndTheRestSaysWhy) {
  StateData d = SampleState();
  // Covered by a dnsName wildcard (one label), in another namespace than web-cert.
  CertificateState api;
  api.ns = "blog";
  api.name = "blog-cert";
  api.secret_name = "blog-other";
  api.dns_names = {"*.blog.test"};
  d.certificates["blog/blog-cert"] = api;
  IngressState blog;
  blog.ns = "blog";
  blog.name = "blog";
  blog.tls = {{{"www.blog.test", "a.b.blog.test"}, "blog-tls"}};
  blog.addresses = {"192.0.2.10"};
  d.ingresses["blog/blog"] = blog;
  // A tenant's Ingress no Certificate covers, and one without an address yet.
  IngressState sneaky;
  sneaky.ns = "tenant";
  sneaky.name = "sneaky";
  sneaky.tls = {{{"metadata.internal"}, "x"}};
  sneaky.addresses = {"169.254.169.254"};
  d.ingresses["tenant/sneaky"] = sneaky;
  IngressState pending;
  pending.ns = "shop";
  pending.name = "pending";
  pending.tls = {{{"new.example.test"}, "web-tls"}};
  d.ingresses["shop/pending"] = pending;

  TlsProbesConfig config;  // discovery: certificates, no allow-list
  auto none = AllowList::Parse({}, {});
  ASSERT_TRUE(none);
  Discovery got = IngressTargets(d, config, 443, *none);
  std::set<std::string> keys;
  for (const auto& t : got.targets) keys.insert(t.Key());
  EXPECT_EQ(keys, (std::set<std::string>{
                      "10.0.0.5:443|api.example.test", "10.0.0.5:443|www.example.test",
                      "172.16.0.9:443|api.example.test", "172.16.0.9:443|www.example.test",
                      "192.0.2.10:443|www.blog.test"}));
  std::set<std::string> skipped;
  for (const auto& s : got.skipped)
    skipped.insert(s.ns + "/" + s.ingress + " " + s.target + " " + s.reason);
  EXPECT_EQ(skipped,
            (std::set<std::string>{
                "blog/blog a.b.blog.test@192.0.2.10:443 not_covered",
                "shop/pending new.example.test no_address", "shop/web *.example.test wildcard_host",
                "tenant/sneaky metadata.internal@169.254.169.254:443 not_covered"}));
  // The allow-lists widen it: the tenant's address becomes probed when a network allows it.
  auto widened = AllowList::Parse({"169.254.0.0/16"}, {});
  ASSERT_TRUE(widened);
  Discovery wide = IngressTargets(d, config, 443, *widened);
  EXPECT_EQ(wide.targets.size(), 6u);
  EXPECT_EQ(wide.skipped.size(), 3u);
}

TEST(StaticTargets, OptionsAndErrors) {
  TlsProbesConfig config;
  TlsTargetConfig t;
  t.address = "127.0.0.1:8443";
  t.min_version = "TLS1.3";
  t.starttls = "smtp";
  t.certificate = "shop/web-cert";
  config.targets = {t};
  StateData d = SampleState();
  ASSERT_TRUE(ResolveTlsProbes(config));
  auto got = StaticTargets(config, &d);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].options.server_name, "127.0.0.1");
  EXPECT_EQ(got[0].options.min_version, TLS1_3_VERSION);
  EXPECT_EQ(got[0].options.starttls, StartTlsProtocol::kSmtp);
  EXPECT_EQ(got[0].secret, "shop/web-tls");
  // Resolution happens once, when the config is loaded; a bad address fails there.
  config.targets[0].address = "no-port";
  auto bad = ResolveTlsProbes(config);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("tls_probes.targets[0].address"), std::string::npos);
  EXPECT_EQ(StaticTargets(config, &d).size(), 1u);  // the resolved list is kept as it was
}

// --- drift bookkeeping --------------------------------------------------------------------

TlsProbeReport Served(const std::string& fingerprint, UnixSeconds not_after) {
  TlsProbeReport r;
  r.result.success = true;
  r.result.leaf = CertFacts{};
  r.result.leaf->fingerprint_sha256 = fingerprint;
  r.result.leaf->not_after = not_after;
  return r;
}

// cert-manager's validating and mutating webhooks share one Service: both caBundle jobs probe
// the same endpoint and SNI. Each keeps its own verdict; the one certwatch_tls_* result keeps
// one source (the first in order), so its info series does not change identity every round.
TEST(CaBundleProbes, TwoCaBundlesOnOneEndpointKeepOneTlsSource) {
  StateData d;
  TlsTarget validating, mutating;
  for (TlsTarget* t : {&validating, &mutating}) {
    t->target = "10.0.0.7:10250";
    t->options.server_name = "cert-manager-webhook.cert-manager.svc";
  }
  validating.source =
      "ca_bundle:ValidatingWebhookConfiguration/cert-manager-webhook/webhook.cert-manager.io";
  mutating.source =
      "ca_bundle:MutatingWebhookConfiguration/cert-manager-webhook/webhook.cert-manager.io";
  const std::string key = validating.Key();
  for (UnixSeconds now : {100, 200, 300}) {
    TlsScheduler::Record(d, validating, Served("aa", 2000 + now), now);
    TlsScheduler::Record(d, mutating, Served("aa", 2000 + now), now + 1);
    EXPECT_EQ(d.tls[key].source, mutating.source) << now;      // "Mutating..." < "Validating..."
    EXPECT_EQ(d.tls[key].leaf->not_after, 2000 + now) << now;  // the newest probe's answer
  }
  TlsScheduler::Record(d, validating, Served("bb", 9000), 400);
  EXPECT_EQ(d.tls[key].source, mutating.source);
  EXPECT_EQ(d.tls[key].leaf->fingerprint_sha256, "bb");
  EXPECT_EQ(d.ca_bundle_probes.size(), 2u);
}

TEST(Drift, SecretFingerprintThenCertificateStatus) {
  StateData d = SampleState();
  TlsTarget target;
  target.target = "10.0.0.5:443";
  target.options.server_name = "www.example.test";
  target.certificate = "shop/web-cert";
  target.secret = "shop/web-tls";
  const std::string key = target.Key();

  // No Secret read and no status yet: nothing to compare with.
  TlsScheduler::Record(d, target, Served("aa", 2000), 100);
  EXPECT_FALSE(d.tls[key].matches_stored.has_value());

  // The Certificate's status says notAfter 3000: the served 2000 is stale.
  d.certificates["shop/web-cert"].not_after = 3000;
  TlsScheduler::Record(d, target, Served("aa", 2000), 200);
  EXPECT_EQ(d.tls[key].matches_stored, std::optional<bool>(false));
  EXPECT_EQ(d.tls[key].mismatch_since, 200);
  TlsScheduler::Record(d, target, Served("aa", 2000), 260);
  EXPECT_EQ(d.tls[key].mismatch_since, 200);  // keeps counting from the first mismatch

  // A failed probe keeps the last drift answer.
  TlsProbeReport failed;
  TlsScheduler::Record(d, target, failed, 300);
  EXPECT_EQ(d.tls[key].matches_stored, std::optional<bool>(false));
  EXPECT_EQ(d.tls[key].mismatch_since, 200);

  // With the Secret read, its fingerprint decides.
  SecretCertState secret;
  secret.ns = "shop";
  secret.name = "web-tls";
  secret.facts.fingerprint_sha256 = "bb";
  d.secrets["shop/web-tls"] = secret;
  TlsScheduler::Record(d, target, Served("bb", 2000), 400);
  EXPECT_EQ(d.tls[key].matches_stored, std::optional<bool>(true));
  EXPECT_EQ(d.tls[key].mismatch_since, 0);
  TlsScheduler::Record(d, target, Served("aa", 3000), 500);
  EXPECT_EQ(d.tls[key].matches_stored, std::optional<bool>(false));
  EXPECT_EQ(d.tls[key].mismatch_since, 500);
  EXPECT_EQ(d.tls[key].source, "");
  EXPECT_EQ(d.tls[key].last_probe, 500);
}

// --- collector ----------------------------------------------------------------------------

class CapturingSink : public MetricSink {
 public:
  void Emit(prometheus::MetricFamily&& f) override { families.push_back(std::move(f)); }
  // value of the series of `name` whose labels include `labels`; NaN if none.
  double Value(const std::string& name, const std::map<std::string, std::string>& labels) const {
    for (const auto& f : families) {
      if (f.name != name) continue;
      for (const auto& m : f.metric) {
        size_t hits = 0;
        for (const auto& l : m.label) {
          auto it = labels.find(l.name);
          if (it != labels.end() && it->second == l.value) ++hits;
        }
        if (hits == labels.size()) return m.gauge.value;
      }
    }
    return std::nan("");
  }
  std::vector<prometheus::MetricFamily> families;
  size_t Count(const std::string& name) const {
    size_t n = 0;
    for (const auto& f : families) {
      if (f.name == name) n += f.metric.size();
    }
    return n;
  }
};

TEST(Collector, CryptoFactsWeakChainAndClientCertificate) {
  StateData d;
  TlsProbeResult weak;
  weak.target = "10.0.0.7:443";
  weak.server_name = "old.example.test";
  weak.success = true;
  weak.tls_version = "TLS 1.2";
  weak.cipher = "ECDHE-RSA-AES256-GCM-SHA384";
  weak.source = "ingress:shop/web";
  weak.leaf = CertFacts{.subject = "CN=old",
                        .issuer = "CN=ca",
                        .serial = "01",
                        .fingerprint_sha256 = "aa",
                        .not_before = 1000,
                        .not_after = 5000,
                        .dns_names = {"old.example.test"},
                        .signature_nid = NID_sha1WithRSAEncryption,
                        .key_bits = 1024,
                        .key_type = KeyType::kRsa,
                        .weak = kWeakRsaKey | kWeakSha1};
  weak.weak = kWeakRsaKey | kWeakSha1 | kWeakEcKey;  // an intermediate on P-224
  weak.client_cert_file = "/etc/certwatch/client.crt";
  weak.client_cert_not_after = 7000;
  d.tls["w"] = weak;
  TlsProbeResult healthy = weak;
  healthy.server_name = "new.example.test";
  healthy.leaf->key_type = KeyType::kEd25519;
  healthy.leaf->key_bits = 256;
  healthy.leaf->signature_nid = NID_ED25519;
  healthy.leaf->weak = 0;
  healthy.weak = 0;
  healthy.client_cert_file.clear();
  healthy.client_cert_not_after.reset();
  d.tls["h"] = healthy;

  CapturingSink sink;
  CollectContext ctx;
  CollectTlsProbes(d, ctx, sink);
  EXPECT_EQ(sink.Value("certwatch_tls_info", {{"target", "10.0.0.7:443"},
                                              {"server_name", "old.example.test"},
                                              {"source", "ingress:shop/web"},
                                              {"version", "TLS 1.2"},
                                              {"cipher", "ECDHE-RSA-AES256-GCM-SHA384"},
                                              {"serial", "01"},
                                              {"fingerprint_sha256", "aa"},
                                              {"subject", "CN=old"},
                                              {"issuer", "CN=ca"},
                                              {"key_type", "rsa"},
                                              {"key_bits", "1024"},
                                              {"signature_algorithm", "sha1WithRSAEncryption"}}),
            1);
  EXPECT_EQ(sink.Value("certwatch_tls_info", {{"server_name", "new.example.test"},
                                              {"key_type", "ed25519"},
                                              {"key_bits", "256"},
                                              {"signature_algorithm", "ED25519"}}),
            1);
  for (const auto& f : sink.families) {
    if (f.name == "certwatch_tls_info") {
      for (const auto& m : f.metric) EXPECT_EQ(m.label.size(), 12u);
    }
  }
  // Sparse: one series per reason of the weak chain, none for the healthy target.
  EXPECT_EQ(sink.Count("certwatch_tls_cert_weak"), 3u);
  for (const char* reason : {"rsa_key_too_small", "sha1_signature", "ec_key_too_small"}) {
    EXPECT_EQ(sink.Value("certwatch_tls_cert_weak", {{"target", "10.0.0.7:443"},
                                                     {"server_name", "old.example.test"},
                                                     {"reason", reason}}),
              1)
        << reason;
  }
  EXPECT_EQ(sink.Count("certwatch_tls_client_cert_not_after_timestamp_seconds"), 1u);
  EXPECT_EQ(sink.Value("certwatch_tls_client_cert_not_after_timestamp_seconds",
                       {{"target", "10.0.0.7:443"},
                        {"server_name", "old.example.test"},
                        {"path", "/etc/certwatch/client.crt"}}),
            7000);
}

TEST(Collector, SeriesFromResults) {
  StateData d;
  TlsProbeResult ok;
  ok.target = "10.0.0.5:443";
  ok.server_name = "www.example.test";
  ok.success = true;
  ok.verified = true;
  ok.verify_reason = VerifyReason::kOk;
  ok.tls_version = "TLS 1.3";
  ok.cipher = "TLS_AES_128_GCM_SHA256";
  ok.leaf = CertFacts{.subject = "CN=www",
                      .issuer = "CN=ca",
                      .serial = "10ab",
                      .fingerprint_sha256 = "ff00",
                      .not_before = 1000,
                      .not_after = 5000,
                      .dns_names = {"www.example.test"}};
  ok.chain_earliest_not_after = 4000;
  ok.ocsp_status = "good";
  ok.certificate = "shop/web-cert";
  ok.matches_stored = true;
  d.tls["a"] = ok;
  TlsProbeResult stale = ok;
  stale.server_name = "api.example.test";
  stale.matches_stored = false;
  stale.mismatch_since = 900;
  d.tls["b"] = stale;
  TlsProbeResult down;
  down.target = "10.0.0.6:443";
  down.server_name = "x.example.test";
  down.verify_reason = VerifyReason::kTimeout;
  d.tls["c"] = down;

  CapturingSink sink;
  CollectContext ctx;
  ctx.now = 1000;
  CollectTlsProbes(d, ctx, sink);
  std::map<std::string, std::string> www = {{"target", "10.0.0.5:443"},
                                            {"server_name", "www.example.test"}};
  EXPECT_EQ(sink.Value("certwatch_tls_probe_success", www), 1);
  EXPECT_EQ(sink.Value("certwatch_tls_cert_not_after_timestamp_seconds", www), 5000);
  EXPECT_EQ(sink.Value("certwatch_tls_cert_not_before_timestamp_seconds", www), 1000);
  EXPECT_EQ(sink.Value("certwatch_tls_chain_earliest_not_after_timestamp_seconds", www), 4000);
  EXPECT_EQ(sink.Value("certwatch_tls_cert_verified", www), 1);
  EXPECT_EQ(sink.Value("certwatch_tls_info", {{"server_name", "www.example.test"},
                                              {"serial", "10ab"},
                                              {"fingerprint_sha256", "ff00"},
                                              {"version", "TLS 1.3"}}),
            1);
  EXPECT_EQ(sink.Value("certwatch_tls_ocsp_stapled_status",
                       {{"server_name", "www.example.test"}, {"status", "good"}}),
            1);
  EXPECT_EQ(sink.Value("certwatch_tls_verify_result",
                       {{"server_name", "x.example.test"}, {"reason", "timeout"}}),
            1);
  EXPECT_EQ(sink.Value("certwatch_tls_verify_result",
                       {{"server_name", "x.example.test"}, {"reason", "ok"}}),
            0);
  // No leaf, no date series (rather than a misleading 0).
  EXPECT_TRUE(std::isnan(sink.Value("certwatch_tls_cert_not_after_timestamp_seconds",
                                    {{"server_name", "x.example.test"}})));
  // Two server names on one address fold into one drift series: stale since 900.
  EXPECT_EQ(sink.Count("certwatch_tls_served_matches_secret"), 1u);
  std::map<std::string, std::string> drift = {
      {"namespace", "shop"}, {"certificate", "web-cert"}, {"target", "10.0.0.5:443"}};
  EXPECT_EQ(sink.Value("certwatch_tls_served_matches_secret", drift), 0);
  EXPECT_EQ(sink.Value("certwatch_tls_served_mismatch_seconds", drift), 100);
}

// --- the prober against real servers ------------------------------------------------------

class TlsProberTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    cert_ = testing::MakeSelfSigned(*dir_, "a", "a.example.test", 30);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  TlsProbeOptions Options(int port) {
    TlsProbeOptions o;
    o.host = kHost;
    o.port = static_cast<uint16_t>(port);
    o.server_name = "a.example.test";
    o.ca_file = cert_.cert;
    // Generous: s_server answers one handshake at a time on a machine shared with builds.
    o.timeout = 20s;
    o.connect_timeout = 20s;
    return o;
  }
  static TempDir* dir_;
  static CertFiles cert_;
};
TempDir* TlsProberTest::dir_ = nullptr;
CertFiles TlsProberTest::cert_;

TEST_F(TlsProberTest, ManyConcurrentHandshakesOnOneLoop) {
  int port = testing::FreePort(kHost);
  SServer server(kHost, port, cert_);
  ASSERT_TRUE(server.ready());
  EventLoop loop;
  TlsProber prober(loop);
  constexpr int kProbes = 40;
  std::vector<TlsProbeReport> reports;
  for (int i = 0; i < kProbes; ++i) {
    prober.Probe(Options(port), [&](TlsProbeReport r) { reports.push_back(std::move(r)); });
  }
  EXPECT_EQ(prober.in_flight(), static_cast<size_t>(kProbes));
  EXPECT_TRUE(reports.empty());  // callbacks never run inside Probe()
  ASSERT_TRUE(loop.RunUntil([&] { return reports.size() == kProbes; }, 60s));
  auto expected = ParseCertificates(testing::ReadFile(cert_.cert));
  ASSERT_TRUE(expected);
  for (const auto& r : reports) {
    EXPECT_TRUE(r.result.success) << r.result.error;
    EXPECT_EQ(r.result.verify_reason, VerifyReason::kOk);
    ASSERT_TRUE(r.result.leaf);
    EXPECT_EQ(r.result.leaf->fingerprint_sha256, (*expected)[0].fingerprint_sha256);
  }
  EXPECT_EQ(prober.in_flight(), 0u);
  EXPECT_EQ(loop.watched_fds(), 0u);
}

TEST_F(TlsProberTest, TimeoutOnASilentPeerAndCancelAll) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int port = testing::FreePort(kHost);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, kHost, &sa.sin_addr);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(listen(fd, 16), 0);  // the kernel accepts; nobody ever answers
  EventLoop loop;
  TlsProber prober(loop);
  auto o = Options(port);
  o.timeout = 300ms;
  std::optional<TlsProbeReport> got;
  auto start = std::chrono::steady_clock::now();
  prober.Probe(o, [&](TlsProbeReport r) { got = std::move(r); });
  ASSERT_TRUE(loop.RunUntil([&] { return got.has_value(); }, 5s));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(got->result.success);
  EXPECT_EQ(got->result.verify_reason, VerifyReason::kTimeout);
  EXPECT_EQ(got->phase, "handshake");
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 4s);

  bool called = false;
  o.timeout = 5s;
  prober.Probe(o, [&](TlsProbeReport) { called = true; });
  loop.RunFor(50ms);
  prober.CancelAll();
  EXPECT_EQ(prober.in_flight(), 0u);
  loop.RunFor(100ms);
  EXPECT_FALSE(called);
  EXPECT_EQ(loop.watched_fds(), 0u);
  close(fd);
}

TEST_F(TlsProberTest, ResolvesHostNames) {
  int port = testing::FreePort("127.0.0.1");
  SServer server("127.0.0.1", port, cert_);
  ASSERT_TRUE(server.ready());
  auto o = Options(port);
  o.host = "localhost";
  TlsProbeReport r = ProbeTlsOnce(o);
  EXPECT_TRUE(r.result.success) << r.result.error;
  EXPECT_EQ(r.peer.rfind("127.0.0.1:", 0), 0u) << r.peer;
  o.host = "no-such-host.invalid";
  r = ProbeTlsOnce(o);
  EXPECT_EQ(r.result.verify_reason, VerifyReason::kResolveFailed);
}

// The scheduler end to end: an endpoint still serving the old certificate while the Secret
// holds the new one is seen as drift; once the server reloads the new one, it clears.
TEST_F(TlsProberTest, SchedulerDetectsDriftThenClearsAfterReload) {
  auto fresh = testing::MakeSelfSigned(*dir_, "new", "a.example.test", 60);
  auto fresh_facts = ParseCertificates(testing::ReadFile(fresh.cert));
  ASSERT_TRUE(fresh_facts);
  int port = testing::FreePort(kHost);
  auto old_server = std::make_unique<SServer>(kHost, port, cert_);
  ASSERT_TRUE(old_server->ready());

  Config config;
  config.kubernetes.enabled = false;
  config.tls_probes.interval = 300ms;
  config.tls_probes.timeout = 2s;
  TlsTargetConfig t;
  t.address = std::string(kHost) + ":" + std::to_string(port);
  t.server_name = "a.example.test";
  t.ca_file = cert_.cert;
  t.certificate = "shop/web-cert";
  config.tls_probes.targets = {t};
  ASSERT_TRUE(ResolveTlsProbes(config.tls_probes));

  StateStore store;
  store.Update([&](StateData& d) {
    CertificateState c;
    c.ns = "shop";
    c.name = "web-cert";
    c.secret_name = "web-tls";
    d.certificates["shop/web-cert"] = c;
    SecretCertState s;
    s.ns = "shop";
    s.name = "web-tls";
    s.facts.fingerprint_sha256 = (*fresh_facts)[0].fingerprint_sha256;
    d.secrets["shop/web-tls"] = s;
  });
  Logger logger = NullLogger();
  SystemClock clock;
  LoopThread loop_thread;
  TlsScheduler scheduler(loop_thread.loop(), store, config, logger, clock);
  loop_thread.Start();
  scheduler.Start();
  const std::string key = t.address + "|a.example.test";
  auto wait_for = [&](auto pred) {
    for (int i = 0; i < 200; ++i) {
      bool ok = store.Read([&](const StateData& d) {
        auto it = d.tls.find(key);
        return it != d.tls.end() && pred(it->second);
      });
      if (ok) return true;
      std::this_thread::sleep_for(25ms);
    }
    return false;
  };
  EXPECT_TRUE(wait_for([](const TlsProbeResult& r) {
    return r.matches_stored.has_value() && !*r.matches_stored && r.mismatch_since > 0;
  }));
  store.Read([&](const StateData& d) {
    const auto& r = d.tls.at(key);
    EXPECT_TRUE(r.success);
    EXPECT_EQ(r.secret, "shop/web-tls");
    EXPECT_EQ(r.source, "static");
    EXPECT_TRUE(d.sources.at("tls_probes").up);
    EXPECT_TRUE(d.sources.at("tls_probes").synced);
    return 0;
  });

  old_server.reset();  // the server reloads with the new certificate
  SServer new_server(kHost, port, fresh);
  ASSERT_TRUE(new_server.ready());
  EXPECT_TRUE(wait_for([](const TlsProbeResult& r) {
    return r.matches_stored.has_value() && *r.matches_stored && r.mismatch_since == 0;
  }));
  scheduler.Stop();
  loop_thread.Stop();
}

}  // namespace
}  // namespace certwatch
