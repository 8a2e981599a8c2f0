// The keystore readers (common/keystore/) on real stores made by `openssl pkcs12` and keytool,
// and on JKS stores written byte by byte: good, wrong or missing password, truncated at every
// length, altered, hostile counts, a key entry without its certificate.
#include "common/keystore/keystore.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <tuple>

#include "tests/lib/keystore_support.h"

namespace certwatch::keystore {
namespace {

namespace fs = std::filesystem;
using certwatch::testing::JksEntry;
using certwatch::testing::ReadFileBytes;
using certwatch::testing::WriteJks;

class KeystoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (const char* dir = std::getenv("CERTWATCH_LEGACY_CHILD_DIR")) {
      dir_ = dir;  // the parent made the stores (the openssl CLI needs the legacy provider)
      return;
    }
    char tmpl[] = "/tmp/certwatch-keystore-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ASSERT_TRUE(certwatch::testing::MakeKeystores(dir_));
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static std::string File(const std::string& name) { return ReadFileBytes(dir_ + "/" + name); }
  static CertFacts Facts(const std::string& pem) {
    auto f = ParseCertificates(File(pem));
    EXPECT_TRUE(f) << pem;
    return f ? f->front() : CertFacts{};
  }
  static std::string Der(const std::string& pem) {
    return certwatch::testing::PemToDer(dir_ + "/" + pem);
  }
  static inline std::string dir_;
};

TEST_F(KeystoreTest, SniffsJksAndPkcs12ButNotCertificates) {
  EXPECT_EQ(Sniff(File("store.jks")), Format::kJks);
  EXPECT_EQ(Sniff(File("modern.p12")), Format::kPkcs12);
  EXPECT_EQ(Sniff(File("legacy.p12")), Format::kPkcs12);
  EXPECT_EQ(Sniff(File("leaf.pem")), std::nullopt);
  EXPECT_EQ(Sniff(Der("leaf.pem")), std::nullopt);
  EXPECT_EQ(Sniff(""), std::nullopt);
  EXPECT_EQ(Sniff(std::string("\x30\x84", 2)), std::nullopt);
}

TEST_F(KeystoreTest, ModernPkcs12GivesCertificatesWithFriendlyNames) {
  Outcome o = ParsePkcs12(File("modern.p12"), "s3cret");
  ASSERT_TRUE(o.ok()) << o.error;
  ASSERT_EQ(o.certs.size(), 2u);
  CertFacts leaf = Facts("leaf.pem"), ca = Facts("ca.pem");
  EXPECT_EQ(o.certs[0].alias, "app");
  EXPECT_EQ(o.certs[0].facts.subject, "CN=app.example.test");
  EXPECT_EQ(o.certs[0].facts.not_after, leaf.not_after);
  EXPECT_EQ(o.certs[0].facts.fingerprint_sha256, leaf.fingerprint_sha256);
  EXPECT_EQ(o.certs[1].alias, "");
  EXPECT_EQ(o.certs[1].facts.subject, "CN=Test CA");
  EXPECT_EQ(o.certs[1].facts.not_after, ca.not_after);
}

TEST_F(KeystoreTest, LegacyPkcs12ReadsWithTheLegacyProvider) {
  Outcome o = ParsePkcs12(File("legacy.p12"), "s3cret");
  ASSERT_TRUE(o.ok()) << o.error;
  ASSERT_EQ(o.certs.size(), 1u);
  EXPECT_EQ(o.certs[0].alias, "app");
  EXPECT_EQ(o.certs[0].facts.not_after, Facts("leaf.pem").not_after);
}

TEST_F(KeystoreTest, Pkcs12PasswordErrors) {
  for (const char* f : {"modern.p12", "legacy.p12"}) {
    Outcome wrong = ParsePkcs12(File(f), "nope");
    EXPECT_EQ(wrong.reason, Reason::kWrongPassword) << f;
    EXPECT_TRUE(wrong.certs.empty());
    EXPECT_EQ(wrong.error.find("nope"), std::string::npos);
    EXPECT_EQ(ParsePkcs12(File(f), std::nullopt).reason, Reason::kMissingPassword) << f;
  }
}

TEST_F(KeystoreTest, Pkcs12KeyWithoutCertificate) {
  Outcome o = ParsePkcs12(File("nokey-cert.p12"), "s3cret");
  EXPECT_EQ(o.reason, Reason::kNoCertificate);
  EXPECT_NE(o.error.find("lonely"), std::string::npos) << o.error;
}

TEST_F(KeystoreTest, Pkcs12TruncatedOrAlteredIsAnErrorAtEveryLength) {
  std::string p12 = File("modern.p12");
  for (size_t n = 0; n < p12.size(); n += 7) {
    Outcome o = ParsePkcs12(std::string_view(p12).substr(0, n), "s3cret");
    EXPECT_FALSE(o.ok()) << n;
  }
  std::string altered = p12;
  altered[altered.size() / 2] ^= 0x01;
  EXPECT_FALSE(ParsePkcs12(altered, "s3cret").ok());
}

TEST_F(KeystoreTest, KeytoolJksGivesAliases) {
  Outcome o = ParseJks(File("store.jks"), "changeit");
  ASSERT_TRUE(o.ok()) << o.error;
  // The key entry's chain is the self-signed leaf alone (the CA did not sign it).
  ASSERT_EQ(o.certs.size(), 2u);
  CertFacts leaf = Facts("leaf.pem"), ca = Facts("ca.pem");
  // keytool writes entries in hash-table order: compare as a set.
  std::multiset<std::tuple<std::string, std::string, int64_t>> got,
      want{{"app", leaf.subject, leaf.not_after}, {"myca", ca.subject, ca.not_after}};
  for (const auto& c : o.certs) got.insert({c.alias, c.facts.subject, c.facts.not_after});
  EXPECT_EQ(got, want);
}

TEST_F(KeystoreTest, JksPasswordErrors) {
  std::string jks = File("store.jks");
  Outcome wrong = ParseJks(jks, "nope");
  EXPECT_EQ(wrong.reason, Reason::kWrongPassword);
  EXPECT_TRUE(wrong.certs.empty());
  EXPECT_EQ(ParseJks(jks, std::nullopt).reason, Reason::kMissingPassword);
}

TEST_F(KeystoreTest, JksBadDigestIsRefused) {
  std::string jks = File("store.jks");
  jks.back() ^= 0x01;
  EXPECT_EQ(ParseJks(jks, "changeit").reason, Reason::kWrongPassword);
  std::string body = File("store.jks");
  body[40] ^= 0x01;  // inside the first entry; the digest no longer matches (or it is corrupt)
  EXPECT_FALSE(ParseJks(body, "changeit").ok());
}

TEST_F(KeystoreTest, JksTruncatedAtEveryLengthIsCorrupt) {
  std::string jks = File("store.jks");
  for (size_t n = 0; n < jks.size(); ++n) {
    Outcome o = ParseJks(std::string_view(jks).substr(0, n), "changeit");
    ASSERT_EQ(o.reason, Reason::kCorrupt) << n;
    EXPECT_TRUE(o.certs.empty());
  }
}

TEST_F(KeystoreTest, JksWrittenByHand) {
  std::string leaf = Der("leaf.pem"), ca = Der("ca.pem");
  ASSERT_FALSE(leaf.empty());
  for (uint32_t version : {1u, 2u}) {
    std::string jks = WriteJks({{true, "web", {leaf, ca}}, {false, "root", {ca}}}, "pw", version);
    Outcome o = ParseJks(jks, "pw");
    ASSERT_TRUE(o.ok()) << version << ": " << o.error;
    ASSERT_EQ(o.certs.size(), 3u);
    EXPECT_EQ(o.certs[0].alias, "web");
    EXPECT_EQ(o.certs[0].facts.subject, "CN=app.example.test");
    EXPECT_EQ(o.certs[1].facts.subject, "CN=Test CA");
    EXPECT_EQ(o.certs[2].alias, "root");
  }
  // A private-key entry without a certificate: the others are still read.
  Outcome keyless = ParseJks(WriteJks({{true, "lonely", {}}, {false, "root", {ca}}}, "pw"), "pw");
  EXPECT_EQ(keyless.reason, Reason::kNoCertificate);
  EXPECT_NE(keyless.error.find("lonely"), std::string::npos);
  ASSERT_EQ(keyless.certs.size(), 1u);
  EXPECT_EQ(keyless.certs[0].alias, "root");
  EXPECT_EQ(ParseJks(WriteJks({}, "pw"), "pw").reason, Reason::kNoCertificate);
  // Not a certificate where one should be.
  EXPECT_EQ(ParseJks(WriteJks({{false, "junk", {"not DER"}}}, "pw"), "pw").reason,
            Reason::kCorrupt);
}

TEST_F(KeystoreTest, JksHostileLengthsAreErrorsNotAllocations) {
  std::string ca = Der("ca.pem");
  std::string jks = WriteJks({{false, "root", {ca}}}, "pw");
  std::string huge_count = jks;
  huge_count[8] = huge_count[9] = huge_count[10] = huge_count[11] = '\xff';
  EXPECT_EQ(ParseJks(huge_count, "pw").reason, Reason::kCorrupt);
  std::string huge_len = jks;
  // tag(4) alias(2+4) date(8) type(2+5): the DER length follows at offset 12 + 25.
  for (int i = 0; i < 4; ++i) huge_len[12 + 25 + i] = '\xff';
  EXPECT_EQ(ParseJks(huge_len, "pw").reason, Reason::kCorrupt);
  std::string bad_version = jks;
  bad_version[7] = 3;
  EXPECT_EQ(ParseJks(bad_version, "pw").reason, Reason::kCorrupt);
  std::string bad_tag = jks;
  bad_tag[15] = 3;  // a JCEKS secret-key entry
  EXPECT_EQ(ParseJks(bad_tag, "pw").reason, Reason::kCorrupt);
  EXPECT_EQ(ParseJks("\xfe\xed\xfe\xed", "pw").reason, Reason::kCorrupt);
}

// Without OpenSSL's legacy provider, an RC2 store says so. Providers load once per process, so
// this runs in a child (this binary again, one case) with OPENSSL_MODULES pointing nowhere.
TEST_F(KeystoreTest, LegacyPkcs12WithoutTheProviderSaysSo) {
  if (std::getenv("CERTWATCH_LEGACY_CHILD_DIR")) {
    Outcome o = ParsePkcs12(File("legacy.p12"), "s3cret");
    ASSERT_EQ(o.reason, Reason::kLegacyProviderMissing) << o.error;
    EXPECT_NE(o.error.find("legacy"), std::string::npos);
    // The modern store needs no legacy provider.
    EXPECT_TRUE(ParsePkcs12(ReadFileBytes(dir_ + "/modern.p12"), "s3cret").ok());
    return;
  }
  std::string self = fs::read_symlink("/proc/self/exe").string();
  std::string cmd = "CERTWATCH_LEGACY_CHILD_DIR=" + dir_ + " OPENSSL_MODULES=" + dir_ +
                    "/no-modules " + self +
                    " --gtest_filter=KeystoreTest.LegacyPkcs12WithoutTheProviderSaysSo >" + dir_ +
                    "/child.log 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << ReadFileBytes(dir_ + "/child.log");
}

TEST(KeystoreUtf16, JavaCharsOfUtf8) {
  EXPECT_EQ(Utf16Be("ab"), std::string("\0a\0b", 4));
  EXPECT_EQ(Utf16Be("\xc3\xa9"), std::string("\0\xe9", 2));                    // é
  EXPECT_EQ(Utf16Be("\xf0\x9f\x98\x80"), std::string("\xd8\x3d\xde\x00", 4));  // U+1F600
  EXPECT_EQ(Utf16Be("\xff"), std::string("\xff\xfd", 2));                      // invalid
  EXPECT_EQ(Utf16Be("\xe2\x82"), std::string("\xff\xfd\xff\xfd", 4));          // truncated
}

TEST(KeystoreReason, LabelValues) {
  EXPECT_EQ(ToString(Reason::kWrongPassword), "wrong_password");
  EXPECT_EQ(ToString(Reason::kMissingPassword), "missing_password");
  EXPECT_EQ(ToString(Reason::kCorrupt), "corrupt");
  EXPECT_EQ(ToString(Reason::kNoCertificate), "no_certificate");
  EXPECT_EQ(ToString(Reason::kLegacyProviderMissing), "legacy_provider_missing");
}

}  // namespace
}  // namespace certwatch::keystore
