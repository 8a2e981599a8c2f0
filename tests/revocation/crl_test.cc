// CRLs built here with OpenSSL (a CA key, its certificate, CRLs with chosen dates and revoked
// serials): parsing DER and PEM, the signature check against a held issuer, the verdict a
// fresh, stale or unverified CRL gives, and the source's cache by nextUpdate with backoff,
// driven by a fake clock over CRL files.
#include "revocation/crl.h"

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/handles.h"
#include "common/log.h"
#include "common/x509.h"
#include "revocation/crl_source.h"
#include "revocation/verdict.h"

namespace certwatch {
namespace {

constexpr int64_t kNow = 1800000000;

EvpPkeyPtr NewKey() { return EvpPkeyPtr(EVP_EC_gen("P-256")); }

std::string Der(X509* cert) {
  unsigned char* der = nullptr;
  int len = i2d_X509(cert, &der);
  OpenSslBytes owner(der);
  return std::string(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
}

void AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate named `cn`, signed by `issuer_key` (and `issuer`, null for self-signed).
X509Ptr MakeCert(const std::string& cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                 long serial, bool ca) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, 0, nullptr);
  X509_time_adj_ex(X509_getm_notAfter(cert.get()), 3650, 0, nullptr);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* signer = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  AddExt(cert.get(), signer, NID_subject_key_identifier, "hash");
  AddExt(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  if (ca) {
    AddExt(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    AddExt(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  }
  X509_sign(cert.get(), issuer_key, EVP_sha256());
  return cert;
}

// A CRL of `issuer` (signed with `key`) listing `serials`, valid from this_update to
// next_update (unix seconds).
std::string MakeCrl(X509* issuer, EVP_PKEY* key, const std::vector<long>& serials,
                    int64_t this_update, int64_t next_update, bool pem) {
  X509CrlPtr crl(X509_CRL_new());
  X509_CRL_set_version(crl.get(), 1);
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer));
  using TimePtr = std::unique_ptr<ASN1_TIME, FnDeleter<ASN1_TIME_free>>;
  TimePtr last(ASN1_TIME_set(nullptr, static_cast<time_t>(this_update)));
  TimePtr next(ASN1_TIME_set(nullptr, static_cast<time_t>(next_update)));
  X509_CRL_set1_lastUpdate(crl.get(), last.get());
  X509_CRL_set1_nextUpdate(crl.get(), next.get());
  for (long s : serials) {
    X509_REVOKED* r = X509_REVOKED_new();
    ASN1_INTEGER* serial = ASN1_INTEGER_new();
    ASN1_INTEGER_set(serial, s);
    X509_REVOKED_set_serialNumber(r, serial);
    ASN1_INTEGER_free(serial);
    X509_REVOKED_set_revocationDate(r, last.get());
    X509_CRL_add0_revoked(crl.get(), r);
  }
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, nullptr, nullptr, crl.get(), 0);
  X509_EXTENSION* akid =
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always");
  X509_CRL_add_ext(crl.get(), akid, -1);
  X509_EXTENSION_free(akid);
  X509_CRL_sort(crl.get());
  X509_CRL_sign(crl.get(), key, EVP_sha256());
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (pem) {
    PEM_write_bio_X509_CRL(bio.get(), crl.get());
  } else {
    i2d_X509_CRL_bio(bio.get(), crl.get());
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

struct Pki {
  EvpPkeyPtr ca_key = NewKey(), leaf_key = NewKey(), other_key = NewKey();
  X509Ptr ca = MakeCert("Unit CA", ca_key.get(), nullptr, ca_key.get(), 1, true);
  // Another CA of the same name with another key.
  X509Ptr other = MakeCert("Unit CA", other_key.get(), nullptr, other_key.get(), 1, true);
  X509Ptr good =
      MakeCert("good.example.test", leaf_key.get(), ca.get(), ca_key.get(), 0x1000, false);
  X509Ptr bad = MakeCert("bad.example.test", leaf_key.get(), ca.get(), ca_key.get(), 0x1001, false);
  CertFacts Facts(X509* c) { return FactsFromX509(c).value(); }
};

TEST(ParseCrl, DerAndPemGiveTheSameFacts) {
  Pki p;
  for (bool pem : {false, true}) {
    auto crl =
        ParseCrl(MakeCrl(p.ca.get(), p.ca_key.get(), {0x1001, 0xab}, kNow - 60, kNow + 3600, pem));
    ASSERT_TRUE(crl) << crl.error().message;
    EXPECT_EQ(crl->issuer, "CN=Unit CA");
    EXPECT_EQ(crl->this_update, kNow - 60);
    EXPECT_EQ(crl->next_update, kNow + 3600);
    // Serials spelled as CertFacts spells them, sorted.
    EXPECT_EQ(crl->revoked, (std::vector<std::string>{"1001", "ab"}));
    EXPECT_EQ(crl->authority_key_id, SubjectKeyIdOf(p.ca.get()));
    EXPECT_EQ(p.Facts(p.bad.get()).serial, "1001");
  }
}

TEST(ParseCrl, GarbageIsAnErrorNotACrash) {
  EXPECT_EQ(ParseCrl("").error().message, "not a CRL (neither PEM nor DER)");
  EXPECT_EQ(ParseCrl("\x30\x03\x02\x01\x01").error().message, "not a CRL (neither PEM nor DER)");
  EXPECT_EQ(ParseCrl("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n").error().message,
            "PEM X509 CRL block is not a valid CRL");
}

TEST(CrlSignedBy, OnlyTheIssuersKey) {
  Pki p;
  auto crl = ParseCrl(MakeCrl(p.ca.get(), p.ca_key.get(), {}, kNow, kNow + 60, false)).value();
  EXPECT_TRUE(CrlSignedBy(crl, p.ca.get()));
  EXPECT_FALSE(CrlSignedBy(crl, p.other.get()));  // same name, other key
  EXPECT_FALSE(CrlSignedBy(crl, p.good.get()));   // another name
  EXPECT_FALSE(CrlSignedBy(crl, nullptr));
  // Signed by the other key under the CA's name: the CA's certificate does not verify it.
  auto forged = ParseCrl(MakeCrl(p.ca.get(), p.other_key.get(), {}, kNow, kNow + 60, false));
  EXPECT_FALSE(CrlSignedBy(forged.value(), p.ca.get()));
}

CrlState Fresh(const Pki& p, std::vector<std::string> revoked) {
  CrlState c;
  c.source = "http://crl.example.test/ca.crl";
  c.issuer = "CN=Unit CA";
  c.this_update = kNow - 60;
  c.next_update = kNow + 3600;
  c.verify_status = "ok";
  c.issuer_key_id = SubjectKeyIdOf(p.ca.get());
  c.revoked = std::make_shared<const std::vector<std::string>>(std::move(revoked));
  return c;
}

TEST(RevokedByCrl, FreshVerifiedCrlsOnly) {
  Pki p;
  StateData d;
  const CertFacts good = p.Facts(p.good.get()), bad = p.Facts(p.bad.get());
  EXPECT_EQ(RevokedByCrl(d, bad, kNow), std::nullopt);  // no CRL
  d.crls["a"] = Fresh(p, {"1001"});
  EXPECT_EQ(RevokedByCrl(d, bad, kNow), true);
  EXPECT_EQ(RevokedByCrl(d, good, kNow), false);
  // Stale at nextUpdate.
  EXPECT_EQ(RevokedByCrl(d, bad, kNow + 3600), std::nullopt);
  // Not verified.
  for (const char* status : {"issuer_not_found", "bad_signature", ""}) {
    d.crls["a"].verify_status = status;
    EXPECT_EQ(RevokedByCrl(d, bad, kNow), std::nullopt) << status;
  }
  // Verified with another key of the same name: the leaf's AKI does not match.
  d.crls["a"] = Fresh(p, {"1001"});
  d.crls["a"].issuer_key_id = SubjectKeyIdOf(p.other.get());
  EXPECT_EQ(RevokedByCrl(d, bad, kNow), std::nullopt);
  // Of another issuer.
  d.crls["a"] = Fresh(p, {"1001"});
  d.crls["a"].issuer = "CN=Other CA";
  EXPECT_EQ(RevokedByCrl(d, bad, kNow), std::nullopt);
  // Two fresh CRLs of the issuer: any listing the serial revokes it.
  d.crls["a"] = Fresh(p, {});
  d.crls["b"] = Fresh(p, {"1001"});
  EXPECT_EQ(RevokedByCrl(d, bad, kNow), true);
  EXPECT_EQ(RevokedByCrl(d, good, kNow), false);
}

class CrlSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("certwatch-crl-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "ca.crl").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& data) { std::ofstream(path_, std::ios::binary) << data; }
  // The issuer as a probe of a served leaf holds it.
  void HoldIssuer(X509* issuer, const CertFacts& leaf) {
    store_.Update([&](StateData& d) {
      TlsProbeResult r;
      r.target = "127.0.0.1:443";
      r.success = true;
      r.leaf = leaf;
      r.issuer_der = std::make_shared<const std::string>(Der(issuer));
      d.tls["127.0.0.1:443|"] = r;
    });
  }
  CrlState Crl(const std::string& source) {
    return store_.Read([&](const StateData& d) { return d.crls.at(source); });
  }

  std::filesystem::path dir_;
  std::string path_;
  StateStore store_;
  std::ostringstream log_;
  Logger logger_{log_};
  FakeClock clock_{kNow};
};

TEST_F(CrlSourceTest, FileCrlVerifiedOnceItsIssuerIsHeld) {
  Pki p;
  Write(MakeCrl(p.ca.get(), p.ca_key.get(), {0x1001}, kNow - 60, kNow + 3600, true));
  RevocationConfig o;
  o.min_refetch_interval = std::chrono::seconds(10);
  CrlSource source({{(dir_ / "*.crl").string(), ""}}, o, store_, logger_, clock_);
  source.RunOnce();
  CrlState c = Crl(path_);
  EXPECT_TRUE(c.fetch_success);
  EXPECT_EQ(c.origin, "path");
  EXPECT_EQ(c.verify_status, "issuer_not_found");
  EXPECT_EQ(c.verify_failures_total, 0u);
  EXPECT_EQ(c.next_update, kNow + 3600);

  HoldIssuer(p.ca.get(), p.Facts(p.bad.get()));
  clock_.Advance(std::chrono::seconds(1));
  source.RunOnce();  // not re-read (10 s), verified against the new issuer
  c = Crl(path_);
  EXPECT_EQ(c.last_fetch, kNow);
  EXPECT_EQ(c.verify_status, "ok");
  EXPECT_EQ(c.issuer_key_id, SubjectKeyIdOf(p.ca.get()));
  store_.Read([&](const StateData& d) {
    EXPECT_EQ(RevokedByCrl(d, p.Facts(p.bad.get()), kNow + 1), true);
    EXPECT_EQ(RevokedByCrl(d, p.Facts(p.good.get()), kNow + 1), false);
  });
}

TEST_F(CrlSourceTest, ForeignSignatureCountedAndUnused) {
  Pki p;
  HoldIssuer(p.ca.get(), p.Facts(p.bad.get()));
  Write(MakeCrl(p.other.get(), p.other_key.get(), {0x1001}, kNow - 60, kNow + 3600, false));
  CrlSource source({{path_, ""}}, RevocationConfig{}, store_, logger_, clock_);
  source.RunOnce();
  CrlState c = Crl(path_);
  EXPECT_TRUE(c.fetch_success);
  EXPECT_EQ(c.verify_status, "bad_signature");
  EXPECT_EQ(c.verify_failures_total, 1u);
  store_.Read([&](const StateData& d) {
    EXPECT_EQ(RevokedByCrl(d, p.Facts(p.bad.get()), kNow), std::nullopt);
  });
}

TEST_F(CrlSourceTest, FailedReadsBackOffAndKeepTheLastCrl) {
  Pki p;
  HoldIssuer(p.ca.get(), p.Facts(p.bad.get()));
  Write(MakeCrl(p.ca.get(), p.ca_key.get(), {0x1001}, kNow - 60, kNow + 3600, false));
  RevocationConfig o;
  o.min_refetch_interval = std::chrono::seconds(10);
  o.backoff_max = std::chrono::seconds(35);
  o.max_crl_bytes = 1024;
  CrlSource source({{path_, ""}}, o, store_, logger_, clock_);
  source.RunOnce();
  ASSERT_EQ(Crl(path_).verify_status, "ok");
  Write("not a CRL");
  // Retries at +10 s, then 10, 20, 35 (capped), 35 s after each failure.
  int64_t t = kNow;
  for (int64_t delay : {10, 10, 20, 35, 35}) {
    clock_.Set(std::chrono::system_clock::time_point(std::chrono::seconds(t + delay - 1)));
    source.RunOnce();
    EXPECT_EQ(Crl(path_).last_fetch, t) << delay;
    t += delay;
    clock_.Set(std::chrono::system_clock::time_point(std::chrono::seconds(t)));
    source.RunOnce();
    EXPECT_EQ(Crl(path_).last_fetch, t) << delay;
  }
  CrlState c = Crl(path_);
  EXPECT_FALSE(c.fetch_success);
  EXPECT_EQ(c.fetch_failures_total, 5u);
  EXPECT_EQ(c.error, path_ + ": not a CRL (neither PEM nor DER)");
  EXPECT_EQ(c.next_update, kNow + 3600);  // the last CRL that parsed stays in use
  EXPECT_EQ(c.verify_status, "ok");
  store_.Read([&](const StateData& d) {
    EXPECT_EQ(RevokedByCrl(d, p.Facts(p.bad.get()), t), true);
    EXPECT_FALSE(d.sources.at("crls").up);
  });
  // Over max_crl_bytes: not read.
  Write(std::string(2048, 'x'));
  clock_.Advance(std::chrono::seconds(35));
  source.RunOnce();
  EXPECT_EQ(Crl(path_).error, path_ + ": larger than 1024 bytes");
}

TEST_F(CrlSourceTest, ForgetDropsEveryCrl) {
  Pki p;
  Write(MakeCrl(p.ca.get(), p.ca_key.get(), {}, kNow - 60, kNow + 3600, false));
  CrlSource source({{path_, ""}}, RevocationConfig{}, store_, logger_, clock_);
  source.RunOnce();
  store_.Update([&](StateData& d) { source.Forget(d); });
  store_.Read([&](const StateData& d) {
    EXPECT_TRUE(d.crls.empty());
    EXPECT_EQ(d.sources.count("crls"), 0u);
  });
}

}  // namespace
}  // namespace certwatch
