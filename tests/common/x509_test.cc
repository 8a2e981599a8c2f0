// Crypto facts of certificates made here with OpenSSL in-process: key type and size, the
// signature algorithm's name, and the weakness bits that clients refuse.
#include "common/x509.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <string>

#include "common/handles.h"

namespace certwatch {
namespace {

EvpPkeyPtr RsaKey(unsigned bits) {
  return EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)));
}
EvpPkeyPtr EcKey(const char* curve) {
  return EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
}
EvpPkeyPtr NamedKey(const char* type) {
  return EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, type));
}

// A certificate for `key` named `cn`, signed by `signer` (itself when null) under issuer
// `issuer_cn`, with digest `md` (null for Ed25519/Ed448).
X509Ptr MakeCert(EVP_PKEY* key, const char* cn, EVP_PKEY* signer, const char* issuer_cn,
                 const EVP_MD* md) {
  X509Ptr x(X509_new());
  if (!x) return nullptr;
  X509_set_version(x.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 4242);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 86400);
  auto set_cn = [](X509_NAME* name, const char* value) {
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(value), -1, -1, 0);
  };
  set_cn(X509_get_subject_name(x.get()), cn);
  set_cn(X509_get_issuer_name(x.get()), issuer_cn);
  X509_set_pubkey(x.get(), key);
  if (X509_sign(x.get(), signer ? signer : key, md) <= 0) return nullptr;
  return x;
}

std::string Pem(X509* x) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), x);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

CertFacts Facts(X509* x) {
  auto f = FactsFromX509(x);
  EXPECT_TRUE(f.has_value());
  return f.has_value() ? f.value() : CertFacts{};
}

TEST(X509Facts, Rsa2048Sha256) {
  EvpPkeyPtr key = RsaKey(2048);
  ASSERT_TRUE(key);
  X509Ptr x = MakeCert(key.get(), "rsa.example", nullptr, "rsa.example", EVP_sha256());
  ASSERT_TRUE(x);
  CertFacts f = Facts(x.get());
  EXPECT_EQ(f.key_type, KeyType::kRsa);
  EXPECT_EQ(KeyTypeName(f.key_type), "rsa");
  EXPECT_EQ(f.key_bits, 2048u);
  EXPECT_EQ(SignatureAlgorithmName(f.signature_nid), "sha256WithRSAEncryption");
  EXPECT_EQ(f.weak, 0);
  // Parsing PEM gives the same facts.
  auto parsed = ParseCertificates(Pem(x.get()));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->front().key_bits, 2048u);
  EXPECT_EQ(parsed->front().signature_nid, f.signature_nid);
}

TEST(X509Facts, EcP256Sha256) {
  EvpPkeyPtr key = EcKey("P-256");
  ASSERT_TRUE(key);
  X509Ptr x = MakeCert(key.get(), "ec.example", nullptr, "ec.example", EVP_sha256());
  ASSERT_TRUE(x);
  CertFacts f = Facts(x.get());
  EXPECT_EQ(KeyTypeName(f.key_type), "ecdsa");
  EXPECT_EQ(f.key_bits, 256u);
  EXPECT_EQ(SignatureAlgorithmName(f.signature_nid), "ecdsa-with-SHA256");
  EXPECT_EQ(f.weak, 0);
}

TEST(X509Facts, Ed25519AndEd448) {
  EvpPkeyPtr key = NamedKey("ED25519");
  ASSERT_TRUE(key);
  X509Ptr x = MakeCert(key.get(), "ed.example", nullptr, "ed.example", nullptr);
  ASSERT_TRUE(x);
  CertFacts f = Facts(x.get());
  EXPECT_EQ(KeyTypeName(f.key_type), "ed25519");
  EXPECT_EQ(f.key_bits, 256u);  // EVP_PKEY_get_bits of an Ed25519 key
  EXPECT_EQ(SignatureAlgorithmName(f.signature_nid), "ED25519");
  EXPECT_EQ(f.weak, 0);

  EvpPkeyPtr key448 = NamedKey("ED448");
  ASSERT_TRUE(key448);
  X509Ptr x448 = MakeCert(key448.get(), "ed448.example", nullptr, "ed448.example", nullptr);
  ASSERT_TRUE(x448);
  CertFacts f448 = Facts(x448.get());
  EXPECT_EQ(KeyTypeName(f448.key_type), "ed448");
  EXPECT_EQ(f448.key_bits, 456u);
  EXPECT_EQ(SignatureAlgorithmName(f448.signature_nid), "ED448");
}

TEST(X509Facts, WeakKeysAndDigestsOfIssuedCertificates) {
  EvpPkeyPtr ca = RsaKey(2048);
  ASSERT_TRUE(ca);
  EvpPkeyPtr small = RsaKey(1024);
  ASSERT_TRUE(small);
  X509Ptr leaf = MakeCert(small.get(), "weak.example", ca.get(), "Weak CA", EVP_sha1());
  ASSERT_TRUE(leaf);
  CertFacts f = Facts(leaf.get());
  EXPECT_FALSE(f.self_signed);
  EXPECT_EQ(f.key_bits, 1024u);
  EXPECT_EQ(SignatureAlgorithmName(f.signature_nid), "sha1WithRSAEncryption");
  EXPECT_EQ(f.weak, kWeakRsaKey | kWeakSha1);
  EXPECT_EQ(WeaknessOf(leaf.get()), f.weak);
  EXPECT_EQ(WeakReasonName(kWeakRsaKey), "rsa_key_too_small");
  EXPECT_EQ(WeakReasonName(kWeakSha1), "sha1_signature");

  X509Ptr md5 = MakeCert(ca.get(), "md5.example", ca.get(), "Weak CA", EVP_md5());
  ASSERT_TRUE(md5);
  CertFacts fm = Facts(md5.get());
  EXPECT_EQ(SignatureAlgorithmName(fm.signature_nid), "md5WithRSAEncryption");
  EXPECT_EQ(fm.weak, kWeakMd5);
  EXPECT_EQ(WeakReasonName(kWeakMd5), "md5_signature");

  EvpPkeyPtr p224 = EcKey("P-224");
  ASSERT_TRUE(p224);
  X509Ptr ec = MakeCert(p224.get(), "p224.example", ca.get(), "Weak CA", EVP_sha256());
  ASSERT_TRUE(ec);
  CertFacts fe = Facts(ec.get());
  EXPECT_EQ(fe.key_bits, 224u);
  EXPECT_EQ(fe.weak, kWeakEcKey);
  EXPECT_EQ(WeakReasonName(kWeakEcKey), "ec_key_too_small");
}

TEST(X509Facts, SelfSignedRootCountsForItsKeyOnly) {
  // A root's own signature is never checked by clients: SHA-1 on it is not a weakness.
  EvpPkeyPtr key = RsaKey(2048);
  ASSERT_TRUE(key);
  X509Ptr root = MakeCert(key.get(), "Old Root", nullptr, "Old Root", EVP_sha1());
  ASSERT_TRUE(root);
  CertFacts f = Facts(root.get());
  EXPECT_TRUE(f.self_signed);
  EXPECT_EQ(SignatureAlgorithmName(f.signature_nid), "sha1WithRSAEncryption");
  EXPECT_EQ(f.weak, 0);

  EvpPkeyPtr small = RsaKey(1024);
  ASSERT_TRUE(small);
  X509Ptr small_root = MakeCert(small.get(), "Small Root", nullptr, "Small Root", EVP_sha1());
  ASSERT_TRUE(small_root);
  EXPECT_EQ(Facts(small_root.get()).weak, kWeakRsaKey);
}

}  // namespace
}  // namespace certwatch
