#include "common/x509.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ctime>

#include "common/handles.h"
#include "common/strings.h"
#include "common/time.h"

namespace certwatch {

std::string NameToString(const X509_NAME* name) {
  if (!name) return "";
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return "";
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, len > 0 ? static_cast<size_t>(len) : 0);
}

namespace {

struct KeyFacts {
  KeyType type = KeyType::kUnknown;
  uint32_t bits = 0;
};

KeyFacts KeyOf(X509* cert) {
  KeyFacts k;
  EVP_PKEY* key = X509_get0_pubkey(cert);  // borrowed; null for an algorithm OpenSSL lacks
  if (!key) {
    ERR_clear_error();
    return k;
  }
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      k.type = KeyType::kRsa;
      break;
    case EVP_PKEY_RSA_PSS:
      k.type = KeyType::kRsaPss;
      break;
    case EVP_PKEY_EC:
      k.type = KeyType::kEcdsa;
      break;
    case EVP_PKEY_ED25519:
      k.type = KeyType::kEd25519;
      break;
    case EVP_PKEY_ED448:
      k.type = KeyType::kEd448;
      break;
    case EVP_PKEY_DSA:
      k.type = KeyType::kDsa;
      break;
    case EVP_PKEY_DH:
    case EVP_PKEY_DHX:
      k.type = KeyType::kDh;
      break;
    default:
      break;
  }
  int bits = EVP_PKEY_get_bits(key);
  k.bits = bits > 0 ? static_cast<uint32_t>(bits) : 0;
  return k;
}

// The digest of the certificate's own signature (NID_sha256, ...; RSA-PSS's from its
// parameters), NID_undef when unknown.
int SignatureDigestOf(X509* cert) {
  int md = NID_undef;
  if (X509_get_signature_info(cert, &md, nullptr, nullptr, nullptr) == 1) return md;
  ERR_clear_error();
  int pk = NID_undef;
  if (OBJ_find_sigid_algs(X509_get_signature_nid(cert), &md, &pk) == 1) return md;
  return NID_undef;
}

bool SelfSigned(X509* cert) { return X509_check_issued(cert, cert) == X509_V_OK; }

uint8_t Weakness(X509* cert, const KeyFacts& key, bool self_signed) {
  uint8_t weak = 0;
  if ((key.type == KeyType::kRsa || key.type == KeyType::kRsaPss) && key.bits < 2048) {
    weak |= kWeakRsaKey;
  }
  if (key.type == KeyType::kEcdsa && key.bits < 256) weak |= kWeakEcKey;
  if (!self_signed) {
    int md = SignatureDigestOf(cert);
    if (md == NID_sha1) weak |= kWeakSha1;
    if (md == NID_md5 || md == NID_md5_sha1) weak |= kWeakMd5;
  }
  return weak;
}

using AkidPtr = std::unique_ptr<AUTHORITY_KEYID, FnDeleter<AUTHORITY_KEYID_free>>;
void FreeDistPoints(CRL_DIST_POINTS* p) { sk_DIST_POINT_pop_free(p, DIST_POINT_free); }
using CrlDistPointsPtr = std::unique_ptr<CRL_DIST_POINTS, FnDeleter<FreeDistPoints>>;

bool IsHttpUrl(std::string_view u) {
  return AsciiLower(u.substr(0, 7)) == "http://" || AsciiLower(u.substr(0, 8)) == "https://";
}

// At most this many distribution point URLs are kept per certificate.
constexpr size_t kMaxCrlUrls = 4;

void ReadRevocationFacts(X509* cert, CertFacts& f) {
  int crit = 0;
  AkidPtr akid(static_cast<AUTHORITY_KEYID*>(
      X509_get_ext_d2i(cert, NID_authority_key_identifier, &crit, nullptr)));
  if (akid && akid->keyid) {
    f.authority_key_id = HexEncode(ASN1_STRING_get0_data(akid->keyid),
                                   static_cast<size_t>(ASN1_STRING_length(akid->keyid)));
  }
  CrlDistPointsPtr cdp(static_cast<CRL_DIST_POINTS*>(
      X509_get_ext_d2i(cert, NID_crl_distribution_points, &crit, nullptr)));
  if (!cdp) return;
  for (int i = 0; i < sk_DIST_POINT_num(cdp.get()); ++i) {
    const DIST_POINT* dp = sk_DIST_POINT_value(cdp.get(), i);
    if (!dp->distpoint || dp->distpoint->type != 0) continue;  // fullName only
    const GENERAL_NAMES* names = dp->distpoint->name.fullname;
    for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
      const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, j);
      if (gn->type != GEN_URI) continue;
      std::string url(
          reinterpret_cast<const char*>(ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier)),
          static_cast<size_t>(ASN1_STRING_length(gn->d.uniformResourceIdentifier)));
      if (IsHttpUrl(url) && url.size() <= 2048 && f.crl_urls.size() < kMaxCrlUrls) {
        f.crl_urls.push_back(std::move(url));
      }
    }
  }
  ERR_clear_error();
}

// Every certificate of the CERTIFICATE blocks of `pem`, appended to `out`.
void ReadPemCertificates(std::string_view pem, std::vector<X509Ptr>& out) {
  if (pem.empty() || pem.size() > static_cast<size_t>(INT32_MAX)) return;
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return;
  while (true) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* body = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &body, &len) != 1) break;
    OpenSslString name_owner(name), header_owner(header);
    OpenSslBytes body_owner(body);
    if (std::string_view(name) != "CERTIFICATE") {
      if (body && len > 0) OPENSSL_cleanse(body, static_cast<size_t>(len));
      continue;
    }
    const unsigned char* p = body;
    X509Ptr cert(d2i_X509(nullptr, &p, len));
    if (cert) out.push_back(std::move(cert));
  }
  ERR_clear_error();
}

}  // namespace

std::string_view KeyTypeName(KeyType t) {
  switch (t) {
    case KeyType::kRsa:
      return "rsa";
    case KeyType::kRsaPss:
      return "rsa_pss";
    case KeyType::kEcdsa:
      return "ecdsa";
    case KeyType::kEd25519:
      return "ed25519";
    case KeyType::kEd448:
      return "ed448";
    case KeyType::kDsa:
      return "dsa";
    case KeyType::kDh:
      return "dh";
    case KeyType::kUnknown:
      break;
  }
  return "unknown";
}

std::string_view SignatureAlgorithmName(int nid) {
  if (nid == NID_undef) return "";
  const char* name = OBJ_nid2ln(nid);
  return name ? name : "";
}

std::string_view WeakReasonName(WeakReason r) {
  switch (r) {
    case kWeakRsaKey:
      return "rsa_key_too_small";
    case kWeakEcKey:
      return "ec_key_too_small";
    case kWeakSha1:
      return "sha1_signature";
    case kWeakMd5:
      return "md5_signature";
  }
  return "";
}

uint8_t WeaknessOf(X509* cert) {
  if (!cert) return 0;
  return Weakness(cert, KeyOf(cert), SelfSigned(cert));
}

std::string SubjectKeyIdOf(X509* cert) {
  const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(cert);
  if (!ski) return "";
  return HexEncode(ASN1_STRING_get0_data(ski), static_cast<size_t>(ASN1_STRING_length(ski)));
}

std::string IssuerDerOf(std::string_view chain_pem, std::string_view extra_pem) {
  std::vector<X509Ptr> certs;
  ReadPemCertificates(chain_pem, certs);
  if (certs.empty()) return "";
  ReadPemCertificates(extra_pem, certs);
  X509* leaf = certs.front().get();
  for (size_t i = 1; i < certs.size(); ++i) {
    X509* cand = certs[i].get();
    if (X509_check_issued(cand, leaf) != X509_V_OK) continue;
    EVP_PKEY* key = X509_get0_pubkey(cand);
    if (!key || X509_verify(leaf, key) != 1) continue;
    unsigned char* der = nullptr;
    int len = i2d_X509(cand, &der);
    if (len <= 0) continue;
    OpenSslBytes owner(der);
    ERR_clear_error();
    return std::string(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  }
  ERR_clear_error();
  return "";
}

std::optional<int64_t> Asn1TimeToUnix(const ASN1_TIME* t) {
  if (!t) return std::nullopt;
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return UnixFromUtc(tm);
}

std::string HexEncode(const unsigned char* data, size_t len) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (size_t i = 0; i < len; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0xf]);
  }
  return out;
}

std::string DrainOpenSslErrors() {
  std::vector<std::string> errors;
  unsigned long code;
  char buf[256];
  while ((code = ERR_get_error()) != 0) {
    ERR_error_string_n(code, buf, sizeof buf);
    errors.emplace_back(buf);
  }
  return Join(errors, "; ");
}

Result<CertFacts> FactsFromX509(X509* cert) {
  if (!cert) return Error{"no certificate"};
  CertFacts f;
  f.subject = NameToString(X509_get_subject_name(cert));
  f.issuer = NameToString(X509_get_issuer_name(cert));
  auto nb = Asn1TimeToUnix(X509_get0_notBefore(cert));
  auto na = Asn1TimeToUnix(X509_get0_notAfter(cert));
  if (!nb || !na) return Error{"certificate validity dates are not parseable"};
  f.not_before = *nb;
  f.not_after = *na;
  if (const ASN1_INTEGER* serial = X509_get0_serialNumber(cert)) {
    BignumPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
    if (bn) {
      OpenSslString hex(BN_bn2hex(bn.get()));
      if (hex) f.serial = AsciiLower(hex.get());
    }
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &md_len) == 1)
    f.fingerprint_sha256 = HexEncode(md, md_len);
  GeneralNamesPtr sans(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (sans) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans.get()); ++i) {
      const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans.get(), i);
      if (gn->type == GEN_DNS) {
        const ASN1_IA5STRING* s = gn->d.dNSName;
        f.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                 static_cast<size_t>(ASN1_STRING_length(s)));
      }
    }
  }
  f.is_ca = X509_check_ca(cert) > 0;
  f.self_signed = SelfSigned(cert);
  KeyFacts key = KeyOf(cert);
  f.key_type = key.type;
  f.key_bits = key.bits;
  f.signature_nid = X509_get_signature_nid(cert);
  f.weak = Weakness(cert, key, f.self_signed);
  ReadRevocationFacts(cert, f);
  return f;
}

Result<std::vector<CertFacts>> ParseCertificates(std::string_view data) {
  std::vector<CertFacts> out;
  if (data.find("-----BEGIN") != std::string_view::npos) {
    BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
    if (!bio) return Error{"out of memory"};
    // Walk PEM blocks by name so that private keys are never decoded.
    while (true) {
      char* name = nullptr;
      char* header = nullptr;
      unsigned char* body = nullptr;
      long len = 0;
      if (PEM_read_bio(bio.get(), &name, &header, &body, &len) != 1) {
        ERR_clear_error();
        break;
      }
      OpenSslString name_owner(name), header_owner(header);
      OpenSslBytes body_owner(body);
      std::string_view block(name);
      if (block != "CERTIFICATE" && block != "TRUSTED CERTIFICATE" && block != "X509 CERTIFICATE") {
        if (body && len > 0) OPENSSL_cleanse(body, static_cast<size_t>(len));
        continue;
      }
      const unsigned char* p = body;
      X509Ptr cert(block == "TRUSTED CERTIFICATE" ? d2i_X509_AUX(nullptr, &p, len)
                                                  : d2i_X509(nullptr, &p, len));
      if (!cert) {
        ERR_clear_error();
        return Error{"PEM block " + std::to_string(out.size() + 1) +
                     ": CERTIFICATE is not valid DER"};
      }
      auto facts = FactsFromX509(cert.get());
      if (!facts) return facts.error();
      out.push_back(std::move(facts.value()));
    }
    if (out.empty()) return Error{"no CERTIFICATE block in PEM data"};
    return out;
  }
  const unsigned char* p = reinterpret_cast<const unsigned char*>(data.data());
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(data.size())));
  if (!cert) {
    ERR_clear_error();
    return Error{"neither PEM nor DER certificate data"};
  }
  auto facts = FactsFromX509(cert.get());
  if (!facts) return facts.error();
  out.push_back(std::move(facts.value()));
  return out;
}

}  // namespace certwatch
