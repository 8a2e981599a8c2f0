// CRLs from outside (files, URLs, distribution points): DER or PEM, then the signature check
// against a fixed issuer and the verdict over the parsed serials.
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "revocation/crl.h"
#include "revocation/verdict.h"

namespace {

// A self-signed P-256 CA certificate named like the seeds' issuer, to check signatures against
// (made once; the fuzzer's inputs never sign with its key).
certwatch::X509Ptr MakeIssuer() {
  certwatch::EvpPkeyPtr key(EVP_EC_gen("P-256"));
  certwatch::X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Fuzz CA"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_sign(cert.get(), key.get(), EVP_sha256());
  return cert;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static certwatch::X509Ptr issuer = MakeIssuer();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto crl = certwatch::ParseCrl(in);
  if (!crl) return 0;
  if (!crl->crl) __builtin_trap();  // success means a CRL
  (void)certwatch::CrlSignedBy(*crl, issuer.get());
  certwatch::StateData state;
  certwatch::CrlState c;
  c.issuer = crl->issuer;
  c.next_update = crl->next_update;
  c.verify_status = "ok";
  c.revoked = std::make_shared<const std::vector<std::string>>(crl->revoked);
  state.crls["fuzz"] = c;
  certwatch::CertFacts leaf;
  leaf.issuer = crl->issuer;
  leaf.serial = crl->revoked.empty() ? "1" : crl->revoked.front();
  auto verdict = certwatch::RevokedByCrl(state, leaf, crl->this_update.value_or(0));
  if (!crl->revoked.empty() && verdict == false) __builtin_trap();  // a listed serial is revoked
  return 0;
}
