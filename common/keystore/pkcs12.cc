// PKCS#12 with OpenSSL 3's bag API: the MAC is checked with the password, the certificate bags
// are read with their friendlyName (the alias) and localKeyId; key bags are only counted and
// matched to a certificate by localKeyId, never decrypted. Bags encrypted with a legacy PBE
// (RC2, RC4, single DES: what `openssl pkcs12 -legacy` and Java 8 write) need the "legacy"
// provider, loaded the first time a store needs it.
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>

#include <mutex>
#include <set>

#include "common/handles.h"
#include "common/keystore/keystore.h"

namespace certwatch::keystore {
namespace {

using Pkcs12Ptr = std::unique_ptr<PKCS12, FnDeleter<PKCS12_free>>;
using ProviderPtr = std::unique_ptr<OSSL_PROVIDER, FnDeleter<OSSL_PROVIDER_unload>>;

struct Pkcs7StackDeleter {
  void operator()(STACK_OF(PKCS7) * s) const {
    if (s) sk_PKCS7_pop_free(s, PKCS7_free);
  }
};
using Pkcs7StackPtr = std::unique_ptr<STACK_OF(PKCS7), Pkcs7StackDeleter>;
struct BagStackDeleter {
  void operator()(STACK_OF(PKCS12_SAFEBAG) * s) const {
    if (s) sk_PKCS12_SAFEBAG_pop_free(s, PKCS12_SAFEBAG_free);
  }
};
using BagStackPtr = std::unique_ptr<STACK_OF(PKCS12_SAFEBAG), BagStackDeleter>;

// OpenSSL's providers are process-wide, so this is the one piece of process-wide state here:
// the "legacy" provider (and "default" beside it, since an explicit load would otherwise stop
// the default one from loading implicitly), loaded on first need and unloaded at exit.
class LegacyProvider {
 public:
  static bool Ensure() {
    static LegacyProvider instance;
    std::lock_guard lock(instance.mu_);
    if (instance.legacy_) return true;
    if (!instance.default_) instance.default_.reset(OSSL_PROVIDER_load(nullptr, "default"));
    instance.legacy_.reset(OSSL_PROVIDER_load(nullptr, "legacy"));
    ERR_clear_error();
    return instance.legacy_ != nullptr;
  }

 private:
  std::mutex mu_;
  ProviderPtr default_, legacy_;
};

bool IsLegacyPbe(int nid) {
  switch (nid) {
    case NID_pbe_WithSHA1And40BitRC2_CBC:
    case NID_pbe_WithSHA1And128BitRC2_CBC:
    case NID_pbe_WithSHA1And40BitRC4:
    case NID_pbe_WithSHA1And128BitRC4:
    case NID_pbeWithMD2AndDES_CBC:
    case NID_pbeWithMD5AndDES_CBC:
    case NID_pbeWithSHA1AndDES_CBC:
    case NID_pbeWithMD2AndRC2_CBC:
    case NID_pbeWithMD5AndRC2_CBC:
    case NID_pbeWithSHA1AndRC2_CBC:
      return true;
    default:
      return false;
  }
}

Outcome FailClearingOpenSsl(Reason r, std::string message) {
  Outcome o;
  o.reason = r;
  o.error = std::move(message);
  ERR_clear_error();
  return o;
}

std::string LocalKeyId(const PKCS12_SAFEBAG* bag) {
  const ASN1_TYPE* id = PKCS12_SAFEBAG_get0_attr(bag, NID_localKeyID);
  if (!id || id->type != V_ASN1_OCTET_STRING || !id->value.octet_string) return "";
  const ASN1_OCTET_STRING* s = id->value.octet_string;
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

struct Walk {
  Outcome out;
  std::set<std::string> cert_ids;      // localKeyIds of certificate bags
  std::vector<std::string> key_ids;    // of key bags ("" when a key has none)
  std::vector<std::string> key_names;  // their friendlyNames, for the message
  std::string error;                   // first certificate bag that does not parse
};

void WalkBags(const STACK_OF(PKCS12_SAFEBAG) * bags, Walk& w, int depth) {
  for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags) && w.error.empty(); ++i) {
    const PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags, i);
    OpenSslString name(PKCS12_get_friendlyname(const_cast<PKCS12_SAFEBAG*>(bag)));
    std::string alias = name ? name.get() : "";
    switch (PKCS12_SAFEBAG_get_nid(bag)) {
      case NID_certBag: {
        if (PKCS12_SAFEBAG_get_bag_nid(bag) != NID_x509Certificate) break;  // SDSI certificates
        X509Ptr cert(PKCS12_SAFEBAG_get1_cert(bag));
        auto facts = FactsFromX509(cert.get());
        if (!facts) {
          w.error = "certificate bag " + std::to_string(w.out.certs.size() + 1) + ": " +
                    (cert ? facts.error().message : std::string("not valid DER"));
          break;
        }
        w.cert_ids.insert(LocalKeyId(bag));
        w.out.certs.push_back({std::move(alias), std::move(facts.value())});
        break;
      }
      case NID_keyBag:
      case NID_pkcs8ShroudedKeyBag:
        w.key_ids.push_back(LocalKeyId(bag));
        w.key_names.push_back(alias);
        break;
      case NID_safeContentsBag:
        if (depth < 4) WalkBags(PKCS12_SAFEBAG_get0_safes(bag), w, depth + 1);
        break;
      default:
        break;  // CRL and secret bags
    }
  }
}

}  // namespace

Outcome ParsePkcs12(std::string_view data, std::optional<std::string_view> password) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(data.size())));
  if (!p12)
    return FailClearingOpenSsl(Reason::kCorrupt, "not a PKCS#12 store (DER does not parse)");

  // The candidates, in OpenSSL's order: the password as given; for an empty one also the
  // absent password (the two encode differently), as PKCS12_parse does.
  std::string pass(password.value_or(""));
  const char* pass_ptr = pass.c_str();
  int pass_len = static_cast<int>(pass.size());
  auto wipe = [&] { OPENSSL_cleanse(pass.data(), pass.size()); };
  if (PKCS12_mac_present(p12.get())) {
    bool ok = PKCS12_verify_mac(p12.get(), pass_ptr, pass_len) == 1;
    if (!ok && pass.empty()) {
      ok = PKCS12_verify_mac(p12.get(), nullptr, 0) == 1;
      if (ok) pass_ptr = nullptr;
    }
    if (!ok) {
      wipe();
      if (!password) {
        return FailClearingOpenSsl(
            Reason::kMissingPassword,
            "PKCS#12 MAC check failed: no password configured (the empty one does not "
            "match)");
      }
      return FailClearingOpenSsl(Reason::kWrongPassword,
                                 "PKCS#12 MAC check failed: wrong password");
    }
  }

  Pkcs7StackPtr safes(PKCS12_unpack_authsafes(p12.get()));
  if (!safes) {
    wipe();
    return FailClearingOpenSsl(Reason::kCorrupt, "PKCS#12 authenticated safe does not parse");
  }
  Walk w;
  for (int i = 0; i < sk_PKCS7_num(safes.get()) && w.error.empty(); ++i) {
    PKCS7* p7 = sk_PKCS7_value(safes.get(), i);
    BagStackPtr bags;
    int type = OBJ_obj2nid(p7->type);
    if (type == NID_pkcs7_data) {
      bags.reset(PKCS12_unpack_p7data(p7));
    } else if (type == NID_pkcs7_encrypted) {
      int pbe = NID_undef;
      if (p7->d.encrypted && p7->d.encrypted->enc_data && p7->d.encrypted->enc_data->algorithm) {
        pbe = OBJ_obj2nid(p7->d.encrypted->enc_data->algorithm->algorithm);
      }
      if (IsLegacyPbe(pbe) && !LegacyProvider::Ensure()) {
        wipe();
        return FailClearingOpenSsl(
            Reason::kLegacyProviderMissing,
            std::string("PKCS#12 bags are encrypted with ") + OBJ_nid2sn(pbe) +
                ", which needs OpenSSL's \"legacy\" provider; it could not be loaded "
                "(install it, or set OPENSSL_MODULES to the directory holding "
                "legacy.so)");
      }
      bags.reset(PKCS12_unpack_p7encdata(p7, pass_ptr, pass_ptr ? pass_len : 0));
      if (!bags && !PKCS12_mac_present(p12.get())) {
        wipe();
        return FailClearingOpenSsl(
            password ? Reason::kWrongPassword : Reason::kMissingPassword,
            "PKCS#12 encrypted bags do not decrypt (no MAC to check the password)");
      }
    } else {
      continue;  // public-key (enveloped) privacy mode: not readable with a password
    }
    if (!bags) {
      wipe();
      return FailClearingOpenSsl(
          Reason::kCorrupt,
          "PKCS#12 safe contents " + std::to_string(i + 1) + " do not parse or decrypt");
    }
    WalkBags(bags.get(), w, 0);
  }
  wipe();
  ERR_clear_error();
  if (!w.error.empty()) return FailClearingOpenSsl(Reason::kCorrupt, "PKCS#12 " + w.error);
  Outcome out = std::move(w.out);
  for (size_t i = 0; i < w.key_ids.size(); ++i) {
    bool matched = w.key_ids[i].empty() ? !out.certs.empty() : w.cert_ids.count(w.key_ids[i]) > 0;
    if (!matched) {
      out.reason = Reason::kNoCertificate;
      out.error = "PKCS#12 private key \"" + w.key_names[i] + "\" has no certificate";
      return out;
    }
  }
  if (out.certs.empty()) {
    out.reason = Reason::kNoCertificate;
    out.error = "PKCS#12 store holds no certificate";
  }
  return out;
}

}  // namespace certwatch::keystore
