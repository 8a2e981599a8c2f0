// The key formats of the StateData maps are part of the state API document (the renewer reads
// them back) and set the order of metric series: each builder's exact string is pinned here,
// the splitters invert the builders, and a prefix range holds its own keys and nothing else.
#include "state/keys.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace certwatch {
namespace {

template <typename Map>
std::vector<std::string> KeysIn(Map& map, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& [key, value] : PrefixRange(map, prefix)) out.push_back(key);
  return out;
}

TEST(ObjectKey, NamespacedAndClusterScoped) {
  EXPECT_EQ(ObjectKey("prod", "web"), "prod/web");
  EXPECT_EQ(ObjectKey("", "letsencrypt"), "letsencrypt");
  EXPECT_EQ(NamespaceKeyPrefix("prod"), "prod/");
}

TEST(ObjectKey, SplitInvertsObjectKey) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"prod", "web"}, {"kube-system", "a.b-c"}, {"", "cluster-wide"}};
  for (const auto& [ns, name] : cases) {
    const std::string key = ObjectKey(ns, name);
    ObjectKeyParts parts = SplitObjectKey(key);
    EXPECT_EQ(parts.ns, ns) << key;
    EXPECT_EQ(parts.name, name) << key;
  }
}

TEST(ObjectKey, SplitOfOddKeys) {
  // The namespace ends at the first '/'; no '/' is a cluster-scoped name.
  EXPECT_EQ(SplitObjectKey("a/b/c").ns, "a");
  EXPECT_EQ(SplitObjectKey("a/b/c").name, "b/c");
  EXPECT_EQ(SplitObjectKey("").ns, "");
  EXPECT_EQ(SplitObjectKey("").name, "");
  EXPECT_EQ(SplitObjectKey("/x").ns, "");
  EXPECT_EQ(SplitObjectKey("/x").name, "x");
}

TEST(ObjectKey, NamespacePrefixRangeHoldsOnlyThatNamespace) {
  std::map<std::string, int> m;
  // "a-b" and "a.b" sort before "a/" ('-' and '.' < '/'), "a0" and "ab" after it.
  for (const char* ns : {"a", "a-b", "a.b", "a0", "ab", "b"}) {
    m[ObjectKey(ns, "x")] = 0;
    m[ObjectKey(ns, "y")] = 0;
  }
  m[ObjectKey("", "a")] = 0;  // cluster-scoped "a" is not namespace "a"
  EXPECT_EQ(KeysIn(m, NamespaceKeyPrefix("a")), (std::vector<std::string>{"a/x", "a/y"}));
  EXPECT_EQ(KeysIn(m, NamespaceKeyPrefix("ab")), (std::vector<std::string>{"ab/x", "ab/y"}));
  EXPECT_TRUE(KeysIn(m, NamespaceKeyPrefix("c")).empty());
  EXPECT_TRUE(KeysIn(m, NamespaceKeyPrefix("")).empty());  // no key starts with "/"
}

TEST(PrefixRange, ErasesTheRangeOnly) {
  std::map<std::string, int> m{{"a/1", 1}, {"a/2", 2}, {"b/1", 3}};
  auto r = PrefixRange(m, NamespaceKeyPrefix("a"));
  m.erase(r.begin(), r.end());
  EXPECT_EQ(m.size(), 1u);
  EXPECT_TRUE(m.count("b/1"));
  auto none = PrefixRange(m, NamespaceKeyPrefix("a"));
  EXPECT_TRUE(none.empty());
}

TEST(PrefixRange, WorksOnAConstMap) {
  const std::map<std::string, int> m{{"a/1", 1}, {"a/2", 2}, {"b/1", 3}};
  int sum = 0;
  for (const auto& [key, v] : PrefixRange(m, NamespaceKeyPrefix("a"))) sum += v;
  EXPECT_EQ(sum, 3);
}

TEST(IssuerKey, ByKindNamespaceAndName) {
  EXPECT_EQ(IssuerKey(kIssuerKind, "prod", "ca"), "Issuer/prod/ca");
  EXPECT_EQ(IssuerKey(kClusterIssuerKind, "", "letsencrypt"), "ClusterIssuer/letsencrypt");
}

TEST(IssuerKey, FromAReferenceMatchesTheStoredKey) {
  IssuerRef issuer{"ca", "Issuer", "cert-manager.io"};
  EXPECT_EQ(IssuerKey(issuer, "prod"), IssuerKey("Issuer", "prod", "ca"));
  // A ClusterIssuer is found whatever the namespace of the object that refers to it.
  IssuerRef cluster{"letsencrypt", "ClusterIssuer", "cert-manager.io"};
  EXPECT_EQ(IssuerKey(cluster, "prod"), "ClusterIssuer/letsencrypt");
  EXPECT_EQ(IssuerKey(cluster, ""), "ClusterIssuer/letsencrypt");
  // Any other kind is looked up as an Issuer of the namespace (cert-manager's default).
  IssuerRef other{"ca", "", "cert-manager.io"};
  EXPECT_EQ(IssuerKey(other, "prod"), "Issuer/prod/ca");
  // An Issuer and a ClusterIssuer of one name are two keys.
  EXPECT_NE(IssuerKey(kIssuerKind, "", "x"), IssuerKey(kClusterIssuerKind, "", "x"));
}

TEST(FileKey, PathHashIndex) {
  EXPECT_EQ(FileKey("/etc/ssl/a.pem", 0), "/etc/ssl/a.pem#0");
  EXPECT_EQ(FileKey("/etc/ssl/a.pem", 12), "/etc/ssl/a.pem#12");
  EXPECT_EQ(FileKeyPrefix("/etc/ssl/a.pem"), "/etc/ssl/a.pem#");
  EXPECT_EQ(FileErrorKey("/etc/ssl/a.pem"), "/etc/ssl/a.pem");
}

TEST(FileKey, PrefixRangeHoldsTheCertificatesOfOneFile) {
  std::map<std::string, int> m;
  for (int i = 0; i < 11; ++i) m[FileKey("/a.pem", i)] = i;
  m[FileKey("/a.pem.bak", 0)] = 0;
  m[FileKey("/a", 0)] = 0;
  m[FileKey("/b.pem", 0)] = 0;
  auto keys = KeysIn(m, FileKeyPrefix("/a.pem"));
  EXPECT_EQ(keys.size(), 11u);
  for (const auto& k : keys) EXPECT_TRUE(k.starts_with("/a.pem#")) << k;
  EXPECT_EQ(KeysIn(m, FileKeyPrefix("/a")), (std::vector<std::string>{"/a#0"}));
}

TEST(ProbeKeys, Formats) {
  EXPECT_EQ(TlsResultKey("10.0.0.1:443", "www.example.com"), "10.0.0.1:443|www.example.com");
  EXPECT_EQ(TlsResultKey("[::1]:8443", ""), "[::1]:8443|");
  EXPECT_EQ(DnsResultKey("1.1.1.1:53", "example.com", "A"), "1.1.1.1:53|example.com|A");
  EXPECT_EQ(DnsResultKey("auth:ns1.example.com", "example.com", "TXT"),
            "auth:ns1.example.com|example.com|TXT");
  EXPECT_EQ(DnsConsistencyKey("example.com", "AAAA"), "example.com|AAAA");
  EXPECT_EQ(ChallengeResultKey("prod", "web-1-2-3", "8.8.8.8:53"), "prod/web-1-2-3|8.8.8.8:53");
  EXPECT_EQ(ChallengeResultKeyPrefix("prod", "web-1-2-3"), "prod/web-1-2-3|");
  EXPECT_EQ(CaaKey("prod", "web", "www.example.com"), "prod/web|www.example.com");
}

TEST(ProbeKeys, ChallengePrefixRangeHoldsOnlyThatChallenge) {
  std::map<std::string, int> m;
  for (const char* ch : {"web", "web-2", "webx", "we"}) {
    for (const char* resolver : {"1.1.1.1:53", "8.8.8.8:53", "auth:ns1.example.com"}) {
      m[ChallengeResultKey("prod", ch, resolver)] = 0;
    }
  }
  m[ChallengeResultKey("prod2", "web", "1.1.1.1:53")] = 0;
  EXPECT_EQ(KeysIn(m, ChallengeResultKeyPrefix("prod", "web")),
            (std::vector<std::string>{"prod/web|1.1.1.1:53", "prod/web|8.8.8.8:53",
                                      "prod/web|auth:ns1.example.com"}));
  // Every row of a challenge is inside its namespace's range too.
  EXPECT_EQ(KeysIn(m, NamespaceKeyPrefix("prod")).size(), 12u);
}

TEST(RateLimitKeys, Formats) {
  IssuerRef issuer{"letsencrypt", "ClusterIssuer", "cert-manager.io"};
  EXPECT_EQ(RateLimitErrorKey(issuer), "ClusterIssuer/letsencrypt");
  EXPECT_EQ(RateLimitedOrderKey("prod", "web-1-123", 1700000000), "prod/web-1-123@1700000000");
  EXPECT_EQ(BudgetKey("example.co.uk"), "example.co.uk");
}

TEST(RateLimitKeys, SplitInvertsRateLimitErrorKey) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"ClusterIssuer", "letsencrypt"}, {"Issuer", "ca"}, {"", "x"}};
  for (const auto& [kind, name] : cases) {
    IssuerRef ref{name, kind, "cert-manager.io"};
    const std::string key = RateLimitErrorKey(ref);
    RateLimitErrorKeyParts parts = SplitRateLimitErrorKey(key);
    EXPECT_EQ(parts.kind, kind) << key;
    EXPECT_EQ(parts.name, name) << key;
  }
  // A key without '/' (not one RateLimitErrorKey makes) is all name.
  EXPECT_EQ(SplitRateLimitErrorKey("noslash").kind, "");
  EXPECT_EQ(SplitRateLimitErrorKey("noslash").name, "noslash");
}

}  // namespace
}  // namespace certwatch
