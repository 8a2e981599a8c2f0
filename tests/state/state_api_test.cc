// The state document keeps one shape while the structs group their certificate facts: a
// Secret, a file and a served leaf each write the keys they always had, flat, and read them
// back.
#include "state/state_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace certwatch {
namespace {

CertFacts EveryFact() {
  return CertFacts{.subject = "CN=web.example.test",
                   .issuer = "CN=R3,O=Let's Encrypt,C=US",
                   .serial = "0a1b",
                   .fingerprint_sha256 = "aa11",
                   .not_before = 1000,
                   .not_after = 5000,
                   .dns_names = {"web.example.test", "www.example.test"},
                   .is_ca = true,
                   .self_signed = true};
}

std::set<std::string> Keys(const nlohmann::json& j) {
  std::set<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.insert(k);
  return keys;
}

StateData Sample() {
  StateData d;
  SecretCertState& s = d.secrets["shop/web-tls"];
  s.ns = "shop";
  s.name = "web-tls";
  s.facts = EveryFact();
  FileCertState& f = d.files["/etc/pki/a.crt#0"];
  f.path = "/etc/pki/a.crt";
  f.where = "user:admin";
  f.facts = EveryFact();
  d.tls["10.0.0.1:443|web.example.test"].leaf = EveryFact();
  return d;
}

TEST(StateApi, CertificateFactsKeepTheirKeys) {
  auto j = nlohmann::json::parse(StateToJson(Sample(), {}, 0));
  const auto& secret = j["secrets"]["shop/web-tls"];
  EXPECT_EQ(Keys(secret),
            (std::set<std::string>{"ns", "name", "serial", "fingerprint_sha256", "subject",
                                   "dns_names", "not_before", "not_after", "error"}));
  EXPECT_EQ(secret["serial"], "0a1b");
  EXPECT_EQ(secret["not_after"], 5000);
  const auto& file = j["files"]["/etc/pki/a.crt#0"];
  EXPECT_EQ(Keys(file), (std::set<std::string>{"path", "subject", "issuer", "serial", "where",
                                               "not_before", "not_after"}));
  EXPECT_EQ(file["issuer"], "CN=R3,O=Let's Encrypt,C=US");
  const auto& leaf = j["tls"]["10.0.0.1:443|web.example.test"]["leaf"];
  EXPECT_EQ(Keys(leaf), (std::set<std::string>{"subject", "issuer", "serial", "fingerprint_sha256",
                                               "dns_names", "not_before", "not_after"}));
  EXPECT_EQ(leaf["dns_names"], nlohmann::json({"web.example.test", "www.example.test"}));
}

TEST(StateApi, CertificateFactsReadBack) {
  auto doc = ParseStateJson(StateToJson(Sample(), {}, 0));
  ASSERT_TRUE(doc) << doc.error().message;
  const CertFacts& secret = doc->data.secrets.at("shop/web-tls").facts;
  EXPECT_EQ(secret.fingerprint_sha256, "aa11");
  EXPECT_EQ(secret.dns_names.size(), 2u);
  EXPECT_EQ(secret.not_before, 1000);
  EXPECT_EQ(secret.issuer, "");  // never in a Secret's document
  const FileCertState& file = doc->data.files.at("/etc/pki/a.crt#0");
  EXPECT_EQ(file.where, "user:admin");
  EXPECT_EQ(file.facts.issuer, "CN=R3,O=Let's Encrypt,C=US");
  EXPECT_EQ(file.facts.not_after, 5000);
  const auto& leaf = doc->data.tls.at("10.0.0.1:443|web.example.test").leaf;
  ASSERT_TRUE(leaf);
  EXPECT_EQ(leaf->serial, "0a1b");
  EXPECT_FALSE(leaf->is_ca);  // not in the document
}

TEST(StateApi, MissingFactKeysReadAsDefaultsAndNonObjectsFail) {
  auto doc = ParseStateJson(R"({"secrets": {"a/b": {"ns": "a", "name": "b"}}})");
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->data.secrets.at("a/b").facts.not_after, 0);
  EXPECT_FALSE(ParseStateJson(R"({"secrets": {"a/b": 5}})"));
  EXPECT_FALSE(ParseStateJson(R"({"files": {"x#0": "text"}})"));
}

}  // namespace
}  // namespace certwatch
