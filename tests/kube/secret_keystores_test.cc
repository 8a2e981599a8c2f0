// Keystores in cert-manager Secrets (spec.keystores.pkcs12 / .jks) through the fake API server:
// the password comes from the Certificate's passwordSecretRef (or its literal password), the
// certificates of keystore.p12, keystore.jks and truststore.p12 are exported with their
// aliases, and every failing keystore is one certwatch_keystore_error series with its reason.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "common/base64.h"
#include "common/kube/client.h"
#include "common/kube/kubeconfig.h"
#include "common/log.h"
#include "exporter/kube/kube_source.h"
#include "exporter/scrape.h"
#include "tests/kube/fake_api_support.h"
#include "tests/lib/keystore_support.h"

namespace certwatch {
namespace {

namespace fs = std::filesystem;
using testing::FakeKubeApi;
using testing::WaitFor;

std::string B64File(const std::string& path) { return Base64Encode(testing::ReadFileBytes(path)); }

// A Certificate whose keystores take their password from `keystores_json`.
std::string CertWithKeystores(const std::string& name, const std::string& keystores_json) {
  return R"({"apiVersion":"cert-manager.io/v1","kind":"Certificate","metadata":{"name":")" + name +
         R"(","namespace":"prod"},"spec":{"secretName":")" + name +
         R"(-tls","dnsNames":["app.example.test"],"issuerRef":{"name":"ca","kind":"ClusterIssuer"},"keystores":)" +
         keystores_json + "}}";
}

std::string TlsSecret(const std::string& name, const std::string& certificate,
                      const std::string& tls_crt_b64, const std::string& extra_data) {
  std::string ann = certificate.empty()
                        ? "{}"
                        : R"({"cert-manager.io/certificate-name":")" + certificate + R"("})";
  return R"({"apiVersion":"v1","kind":"Secret","type":"kubernetes.io/tls","metadata":{"name":")" +
         name + R"(","namespace":"prod","annotations":)" + ann + R"(},"data":{"tls.crt":")" +
         tls_crt_b64 + R"(","tls.key":"c2VjcmV0LWtleQ==")" + extra_data + "}}";
}

class SecretKeystoresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/certwatch-kube-ks-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ASSERT_TRUE(testing::MakeKeystores(dir_));
    leaf_ = ParseCertificates(testing::ReadFileBytes(dir_ + "/leaf.pem"))->front();
    ca_ = ParseCertificates(testing::ReadFileBytes(dir_ + "/ca.pem"))->front();
    // A JKS with the Certificate's password ("s3cret"), as cert-manager writes it: the key
    // entry "certificate" with the chain, the trusted entry "ca".
    std::string jks =
        testing::WriteJks({{true, "certificate", {testing::PemToDer(dir_ + "/leaf.pem")}},
                           {false, "ca", {testing::PemToDer(dir_ + "/ca.pem")}}},
                          "s3cret");
    const std::string crt = B64File(dir_ + "/leaf.pem");
    const std::string ref =
        R"({"create":true,"passwordSecretRef":{"name":"app-keystore-pass","key":"password"}})";
    std::vector<std::string> objs = {
        CertWithKeystores("app", R"({"pkcs12":)" + ref + R"(,"jks":)" + ref + "}"),
        CertWithKeystores("wrong", R"({"pkcs12":{"create":true,"password":"nope"}})"),
        R"({"apiVersion":"v1","kind":"Secret","type":"Opaque","metadata":{"name":"app-keystore-pass","namespace":"prod"},"data":{"password":")" +
            Base64Encode("s3cret") + R"("}})",
        TlsSecret("app-tls", "app", crt,
                  R"(,"keystore.p12":")" + B64File(dir_ + "/modern.p12") +
                      R"(","truststore.p12":")" + B64File(dir_ + "/legacy.p12") +
                      R"(","keystore.jks":")" + Base64Encode(jks) + R"(")"),
        TlsSecret("wrong-tls", "wrong", crt,
                  R"(,"keystore.p12":")" + B64File(dir_ + "/modern.p12") + R"(")"),
        TlsSecret("orphan-tls", "", crt, R"(,"keystore.jks":")" + Base64Encode(jks) + R"(")"),
        TlsSecret("extra-tls", "app", crt,
                  R"(,"client.bin":")" + Base64Encode("not a keystore") + R"(")"),
        TlsSecret("nocert-tls", "app", crt,
                  R"(,"keystore.p12":")" + B64File(dir_ + "/nokey-cert.p12") + R"(")"),
        TlsSecret("plain-tls", "", crt, ""),
    };
    std::string all = "[";
    for (size_t i = 0; i < objs.size(); ++i) all += (i ? "," : "") + objs[i];
    ASSERT_NE(api_.Apply(all + "]"), "");
  }
  void TearDown() override {
    if (source_) source_->Stop();
    fs::remove_all(dir_);
  }
  void StartSource() {
    auto kc = LoadKubeconfigFiles(api_.WriteKubeconfig());
    ASSERT_TRUE(kc) << kc.error().message;
    auto client = KubeClient::Create(std::move(*kc));
    ASSERT_TRUE(client) << client.error().message;
    KubeSourceOptions opts;
    opts.config.secrets = true;
    opts.config.ingresses = false;
    opts.config.keystore_keys = {"client.bin"};
    opts.backoff = {std::chrono::milliseconds(100), std::chrono::milliseconds(1000), 2.0, 0.2};
    opts.classify_interval = std::chrono::milliseconds(100);
    source_ = std::make_unique<KubeSource>(std::move(*client), opts, store_, logger_, clock_);
    source_->Start();
  }
  std::string Metrics() {
    CollectContext ctx;
    ctx.now = clock_.NowSeconds();
    return ScrapeText(store_, ctx);
  }
  // The value of one exact series, or nullopt when absent.
  std::optional<double> Value(const std::string& series) {
    return testing::SeriesValue(Metrics(), series);
  }

  std::string dir_;
  CertFacts leaf_, ca_;
  SystemClock clock_;
  Logger logger_ = NullLogger();
  StateStore store_;
  FakeKubeApi api_{{"--bookmark-interval", "0.5"}};
  std::unique_ptr<KubeSource> source_;
};

std::string Row(const std::string& secret, const std::string& key, const std::string& alias,
                const std::string& subject) {
  return R"(certwatch_keystore_cert_not_after_timestamp_seconds{namespace="prod",secret=")" +
         secret + R"(",key=")" + key + R"(",alias=")" + alias + R"(",subject=")" + subject +
         R"("})";
}

std::string ErrorRow(const std::string& secret, const std::string& key, const std::string& reason) {
  return R"(certwatch_keystore_error{namespace="prod",secret=")" + secret + R"(",key=")" + key +
         R"(",reason=")" + reason + R"("})";
}

TEST_F(SecretKeystoresTest, ExactSeriesForEveryKeystore) {
  StartSource();
  ASSERT_TRUE(WaitFor([&] {
    return Value(ErrorRow("nocert-tls", "keystore.p12", "no_certificate")) == 1.0 &&
           Value(R"(certwatch_source_up{source="kubernetes"})") == 1.0;
  })) << Metrics();
  const std::string leaf = "CN=app.example.test", ca = "CN=Test CA";
  EXPECT_EQ(Value(Row("app-tls", "keystore.p12", "app", leaf)), leaf_.not_after) << Metrics();
  EXPECT_EQ(Value(Row("app-tls", "keystore.p12", "", ca)), ca_.not_after);
  EXPECT_EQ(Value(Row("app-tls", "truststore.p12", "app", leaf)), leaf_.not_after);  // legacy
  EXPECT_EQ(Value(Row("app-tls", "keystore.jks", "certificate", leaf)), leaf_.not_after);
  EXPECT_EQ(Value(Row("app-tls", "keystore.jks", "ca", ca)), ca_.not_after);
  // The crypto facts of a keystore entry, as every other source has them; not weak.
  EXPECT_EQ(
      Value(
          R"(certwatch_keystore_cert_info{namespace="prod",secret="app-tls",key="keystore.jks",alias="certificate",subject=")" +
          leaf + R"(",issuer=")" + leaf_.issuer + R"(",serial=")" + leaf_.serial +
          R"(",fingerprint_sha256=")" + leaf_.fingerprint_sha256 + R"(",key_type=")" +
          std::string(KeyTypeName(leaf_.key_type)) + R"(",key_bits=")" +
          std::to_string(leaf_.key_bits) + R"(",signature_algorithm=")" +
          std::string(SignatureAlgorithmName(leaf_.signature_nid)) + R"("})"),
      1)
      << Metrics();
  EXPECT_EQ(Metrics().find("certwatch_keystore_cert_weak{"), std::string::npos);
  EXPECT_EQ(
      Value(
          R"(certwatch_secret_cert_not_after_timestamp_seconds{namespace="prod",secret="app-tls"})"),
      leaf_.not_after);
  EXPECT_EQ(Value(ErrorRow("wrong-tls", "keystore.p12", "wrong_password")), 1);
  EXPECT_EQ(Value(ErrorRow("orphan-tls", "keystore.jks", "missing_password")), 1);
  EXPECT_EQ(Value(ErrorRow("extra-tls", "client.bin", "corrupt")), 1);
  EXPECT_EQ(Value(ErrorRow("nocert-tls", "keystore.p12", "no_certificate")), 1);
  // Other objects keep their series; the failing ones export nothing else.
  EXPECT_EQ(
      Value(
          R"(certwatch_secret_cert_not_after_timestamp_seconds{namespace="prod",secret="plain-tls"})"),
      leaf_.not_after);
  EXPECT_EQ(Value(Row("wrong-tls", "keystore.p12", "app", leaf)), std::nullopt);
  std::string text = Metrics();
  size_t errors = 0;
  for (size_t p = 0; (p = text.find("\ncertwatch_keystore_error{", p)) != std::string::npos; ++p)
    ++errors;
  EXPECT_EQ(errors, 4u) << text;
  EXPECT_EQ(text.find("s3cret"), std::string::npos);
  EXPECT_EQ(text.find("nope"), std::string::npos);
  // Nothing of the keystores or their passwords is kept in the state.
  store_.Read([&](const StateData& d) {
    const SecretCertState& s = d.secrets.at("prod/orphan-tls");
    ASSERT_EQ(s.keystore_errors.size(), 1u);
    EXPECT_NE(s.keystore_errors[0].error.find("certificate-name"), std::string::npos)
        << s.keystore_errors[0].error;
    for (const auto& [k, sc] : d.secrets) {
      for (const auto& e : sc.keystore_errors) EXPECT_EQ(e.error.find("s3cret"), std::string::npos);
    }
  });
}

// A keystore updated in place (cert-manager re-issues) is re-read on the watch event.
TEST_F(SecretKeystoresTest, WatchEventRereadsKeystore) {
  StartSource();
  ASSERT_TRUE(WaitFor([&] {
    return Value(ErrorRow("wrong-tls", "keystore.p12", "wrong_password")) == 1.0;
  })) << Metrics();
  ASSERT_NE(
      api_.Apply("[" +
                 CertWithKeystores("wrong", R"({"pkcs12":{"create":true,"password":"s3cret"}})") +
                 "]"),
      "");
  // The Secret changes when cert-manager writes the keystore with the new password.
  ASSERT_NE(api_.Apply("[" +
                       TlsSecret("wrong-tls", "wrong", B64File(dir_ + "/leaf.pem"),
                                 R"(,"keystore.p12":")" + B64File(dir_ + "/modern.p12") +
                                     R"(","ca.crt":"")") +
                       "]"),
            "");
  ASSERT_TRUE(WaitFor([&] {
    return Value(Row("wrong-tls", "keystore.p12", "app", "CN=app.example.test")) ==
           static_cast<double>(leaf_.not_after);
  })) << Metrics();
  EXPECT_EQ(Value(ErrorRow("wrong-tls", "keystore.p12", "wrong_password")), std::nullopt);
}

}  // namespace
}  // namespace certwatch
