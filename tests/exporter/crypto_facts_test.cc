// Crypto facts on the Secret and files sources, end to end: certificates made by the openssl
// CLI (an RSA-2048 CA issuing an RSA-1024 leaf signed with SHA-1, and a healthy P-256 leaf),
// read by the real decoder or the files source, then exported by their collectors. Checks the
// exact info and weak series.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/base64.h"
#include "exporter/files/files_source.h"
#include "exporter/kube/decode.h"
#include "exporter/scrape.h"
#include "tests/lib/exposition_support.h"
#include "tests/lib/keystore_support.h"

namespace certwatch {
namespace {

namespace fs = std::filesystem;

void Shell(const std::string& cmd) {
  ASSERT_EQ(std::system((cmd + " 2>/dev/null").c_str()), 0) << cmd;
}

using testing::Lines;

std::string Collect(const StateData& data, std::string_view collector,
                    const Config* config = nullptr) {
  StateStore store;
  store.Update([&](StateData& d) { d = data; });
  CollectContext ctx;
  ctx.now = 1800000000;
  ctx.config = config;
  for (const auto& c : Collectors()) {
    if (c.name == collector) return ScrapeText(store, ctx, std::span<const CollectorEntry>(&c, 1));
  }
  ADD_FAILURE() << "no collector " << collector;
  return "";
}

class CryptoFactsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/certwatch-crypto-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    const std::string d = dir_.string();
    Shell("openssl req -x509 -newkey rsa:2048 -sha256 -nodes -keyout " + d + "/ca.key -out " + d +
          "/ca.crt -days 30 -subj /CN=Shop\\ CA");
    Shell("openssl req -new -newkey rsa:1024 -nodes -keyout " + d + "/weak.key -out " + d +
          "/weak.csr -subj /CN=weak.shop.test");
    Shell("openssl x509 -req -in " + d + "/weak.csr -CA " + d + "/ca.crt -CAkey " + d +
          "/ca.key -sha1 -days 20 -set_serial 0x1234 -out " + d + "/weak.crt");
    Shell("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -nodes -keyout " +
          d + "/good.key -out " + d +
          "/good.crt -days 20 -set_serial 0x77 -subj /CN=good.shop.test");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Fingerprint(const fs::path& crt) {
    auto facts = ParseCertificates(testing::ReadFileBytes(crt));
    EXPECT_TRUE(facts.has_value());
    return facts.has_value() ? facts->front().fingerprint_sha256 : "";
  }

  fs::path dir_;
};

SecretCertState DecodeSecretJson(const std::string& ns, const std::string& name,
                                 const std::string& tls_crt) {
  std::string json = R"({"metadata": {"name": ")" + name + R"(", "namespace": ")" + ns +
                     R"("}, "type": "kubernetes.io/tls", "data": {"tls.crt": ")" +
                     Base64Encode(tls_crt) + R"(", "tls.key": "c2VjcmV0"}})";
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(json);
  auto doc = parser.iterate(padded);
  SecretCertState out;
  DecodeOutput d;
  DecodeSecret(doc.get_object().value(), out, d);
  return out;
}

TEST_F(CryptoFactsTest, SecretInfoLabelsAndWeakGauge) {
  StateData d;
  // tls.crt holds the weak leaf and the (healthy, self-signed) CA, as cert-manager writes it.
  d.secrets["shop/weak-tls"] = DecodeSecretJson(
      "shop", "weak-tls",
      testing::ReadFileBytes(dir_ / "weak.crt") + testing::ReadFileBytes(dir_ / "ca.crt"));
  d.secrets["shop/good-tls"] =
      DecodeSecretJson("shop", "good-tls", testing::ReadFileBytes(dir_ / "good.crt"));
  ASSERT_EQ(d.secrets["shop/weak-tls"].error, "");
  std::string text = Collect(d, "certificates");
  EXPECT_EQ(Lines(text, "certwatch_secret_cert_info{"),
            (std::vector<std::string>{
                "certwatch_secret_cert_info{namespace=\"shop\",secret=\"good-tls\","
                "subject=\"CN=good.shop.test\",issuer=\"CN=good.shop.test\",serial=\"77\","
                "fingerprint_sha256=\"" +
                    Fingerprint(dir_ / "good.crt") +
                    "\",key_type=\"ecdsa\",key_bits=\"256\","
                    "signature_algorithm=\"ecdsa-with-SHA256\"} 1",
                "certwatch_secret_cert_info{namespace=\"shop\",secret=\"weak-tls\","
                "subject=\"CN=weak.shop.test\",issuer=\"CN=Shop CA\",serial=\"1234\","
                "fingerprint_sha256=\"" +
                    Fingerprint(dir_ / "weak.crt") +
                    "\",key_type=\"rsa\",key_bits=\"1024\","
                    "signature_algorithm=\"sha1WithRSAEncryption\"} 1"}));
  // Sparse: only the weak Secret, one series per reason.
  EXPECT_EQ(
      Lines(text, "certwatch_secret_cert_weak{"),
      (std::vector<std::string>{"certwatch_secret_cert_weak{namespace=\"shop\",secret=\"weak-tls\","
                                "reason=\"rsa_key_too_small\"} 1",
                                "certwatch_secret_cert_weak{namespace=\"shop\",secret=\"weak-tls\","
                                "reason=\"sha1_signature\"} 1"}));
  // metrics.sparse: false adds a 0 for every other reason, for every Secret.
  Config dense;
  dense.metrics.sparse = false;
  std::vector<std::string> all =
      Lines(Collect(d, "certificates", &dense), "certwatch_secret_cert_weak{");
  EXPECT_EQ(all.size(), 8u);
  EXPECT_NE(std::find(all.begin(), all.end(),
                      "certwatch_secret_cert_weak{namespace=\"shop\",secret=\"good-tls\","
                      "reason=\"sha1_signature\"} 0"),
            all.end());
  // The existing family is unchanged.
  EXPECT_EQ(Lines(text, "certwatch_secret_cert_not_after_timestamp_seconds{").size(), 2u);
}

TEST_F(CryptoFactsTest, FileInfoLabelsAndWeakGauge) {
  // One bundle: the weak leaf and its CA (self-signed, so its SHA-256 signature is not judged
  // anyway); one healthy file.
  std::ofstream(dir_ / "bundle.pem")
      << testing::ReadFileBytes(dir_ / "weak.crt") << testing::ReadFileBytes(dir_ / "ca.crt");
  StateStore store;
  SystemClock clock;
  Logger logger = NullLogger();
  FilesSourceOptions o;
  o.files = {{.path = (dir_ / "bundle.pem").string()}, {.path = (dir_ / "good.crt").string()}};
  FilesSource src(o, store, logger, clock);
  src.ScanOnce();
  StateData d = store.Read([](const StateData& s) { return s; });
  ASSERT_EQ(d.files.size(), 3u);
  const std::string bundle = (dir_ / "bundle.pem").string(), good = (dir_ / "good.crt").string();
  std::string text = Collect(d, "files");
  const std::string ca_fp = Fingerprint(dir_ / "ca.crt");
  std::vector<std::string> want = {
      "certwatch_file_cert_info{path=\"" + bundle +
          "\",subject=\"CN=Shop CA\",issuer=\"CN=Shop CA\",serial=\"" +
          ParseCertificates(testing::ReadFileBytes(dir_ / "ca.crt"))->front().serial +
          "\",fingerprint_sha256=\"" + ca_fp +
          "\",key_type=\"rsa\",key_bits=\"2048\",signature_algorithm=\"sha256WithRSAEncryption\"} "
          "1",
      "certwatch_file_cert_info{path=\"" + bundle +
          "\",subject=\"CN=weak.shop.test\",issuer=\"CN=Shop CA\",serial=\"1234\","
          "fingerprint_sha256=\"" +
          Fingerprint(dir_ / "weak.crt") +
          "\",key_type=\"rsa\",key_bits=\"1024\",signature_algorithm=\"sha1WithRSAEncryption\"} 1",
      "certwatch_file_cert_info{path=\"" + good +
          "\",subject=\"CN=good.shop.test\",issuer=\"CN=good.shop.test\",serial=\"77\","
          "fingerprint_sha256=\"" +
          Fingerprint(dir_ / "good.crt") +
          "\",key_type=\"ecdsa\",key_bits=\"256\",signature_algorithm=\"ecdsa-with-SHA256\"} 1"};
  EXPECT_EQ(Lines(text, "certwatch_file_cert_info{"), want);
  EXPECT_EQ(Lines(text, "certwatch_file_cert_weak{"),
            (std::vector<std::string>{
                "certwatch_file_cert_weak{path=\"" + bundle +
                    "\",subject=\"CN=weak.shop.test\",reason=\"rsa_key_too_small\"} 1",
                "certwatch_file_cert_weak{path=\"" + bundle +
                    "\",subject=\"CN=weak.shop.test\",reason=\"sha1_signature\"} 1"}));
}

}  // namespace
}  // namespace certwatch
