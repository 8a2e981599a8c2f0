// Java KeyStore (JKS), as sun.security.provider.JavaKeyStore writes it (all integers big-endian):
//
//   u32 magic 0xFEEDFEED, u32 version (1 or 2), u32 entry count, then per entry:
//     u32 tag; UTF alias (u16 length + modified UTF-8); u64 date (ms)
//     tag 1, private key: u32 length + encrypted PKCS#8 bytes; u32 chain length; certificates
//     tag 2, trusted certificate: one certificate
//   a certificate: (version 2 only) UTF type, "X.509"; u32 length + DER
//   20 bytes: SHA-1(password as UTF-16BE || "Mighty Aphrodite" || every byte before it)
//
// Every length is checked against what is left before anything is read or allocated; the
// certificates are parsed in place from the input.
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <cstring>

#include "common/handles.h"
#include "common/keystore/keystore.h"

namespace certwatch::keystore {
namespace {

constexpr uint32_t kMagic = 0xFEEDFEED;
constexpr uint32_t kPrivateKeyTag = 1;
constexpr uint32_t kTrustedCertTag = 2;
constexpr size_t kDigestBytes = 20;
constexpr std::string_view kWhitener = "Mighty Aphrodite";

// A cursor over the input; every read fails (and stays failed) past the end.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool ok() const { return ok_; }
  size_t pos() const { return pos_; }
  size_t left() const { return data_.size() - pos_; }

  uint32_t U32() { return static_cast<uint32_t>(Be(4)); }
  uint16_t U16() { return static_cast<uint16_t>(Be(2)); }
  uint64_t U64() { return Be(8); }
  std::string_view Bytes(size_t n) {
    if (!ok_ || n > left()) {
      ok_ = false;
      return {};
    }
    std::string_view out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  std::string_view Utf() { return Bytes(U16()); }

 private:
  uint64_t Be(size_t n) {
    std::string_view b = Bytes(n);
    uint64_t v = 0;
    for (char c : b) v = (v << 8) | static_cast<unsigned char>(c);
    return v;
  }
  std::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

Outcome Fail(Reason r, std::string message) {
  Outcome o;
  o.reason = r;
  o.error = std::move(message);
  return o;
}

// One certificate at the reader; false with `error` set when it is not a readable X.509.
bool ReadCert(Reader& r, uint32_t version, const std::string& alias, Outcome& out,
              std::string& error) {
  if (version == 2) {
    std::string_view type = r.Utf();
    if (!r.ok()) return false;
    if (type != "X.509") {
      error = "entry \"" + alias + "\": certificate type \"" + std::string(type.substr(0, 32)) +
              "\" is not X.509";
      return false;
    }
  }
  uint32_t len = r.U32();
  std::string_view der = r.Bytes(len);
  if (!r.ok()) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != reinterpret_cast<const unsigned char*>(der.data() + der.size())) {
    ERR_clear_error();
    error = "entry \"" + alias + "\": certificate is not valid DER";
    return false;
  }
  auto facts = FactsFromX509(cert.get());
  if (!facts) {
    error = "entry \"" + alias + "\": " + facts.error().message;
    return false;
  }
  out.certs.push_back({alias, std::move(facts.value())});
  return true;
}

}  // namespace

std::string Utf16Be(std::string_view s) {
  std::string out;
  out.reserve(s.size() * 2);
  auto put = [&](uint32_t unit) {
    out.push_back(static_cast<char>(unit >> 8));
    out.push_back(static_cast<char>(unit & 0xff));
  };
  size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    uint32_t cp = 0xfffd;
    size_t n = 1;
    if (b < 0x80) {
      cp = b;
    } else if ((b & 0xe0) == 0xc0) {
      n = 2;
    } else if ((b & 0xf0) == 0xe0) {
      n = 3;
    } else if ((b & 0xf8) == 0xf0) {
      n = 4;
    }
    if (n > 1) {
      bool valid = i + n <= s.size();
      uint32_t v = b & (0x7f >> n);
      for (size_t k = 1; valid && k < n; ++k) {
        auto c = static_cast<unsigned char>(s[i + k]);
        if ((c & 0xc0) != 0x80) valid = false;
        v = (v << 6) | (c & 0x3f);
      }
      static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      if (valid && v >= kMin[n] && v <= 0x10ffff && (v < 0xd800 || v > 0xdfff)) {
        cp = v;
      } else {
        n = 1;
      }
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      put(0xd800 + (cp >> 10));
      put(0xdc00 + (cp & 0x3ff));
    } else {
      put(cp);
    }
    i += n;
  }
  return out;
}

Outcome ParseJks(std::string_view data, std::optional<std::string_view> password) {
  Reader r(data);
  if (r.U32() != kMagic || !r.ok()) return Fail(Reason::kCorrupt, "not a JKS keystore (magic)");
  uint32_t version = r.U32();
  if (!r.ok() || (version != 1 && version != 2)) {
    return Fail(Reason::kCorrupt, "JKS version " + std::to_string(version) + " is not 1 or 2");
  }
  uint32_t count = r.U32();
  // The smallest entry (tag, empty alias, date, empty DER) is 18 bytes: a count that cannot
  // fit in what is left is a lie, not a reason to loop.
  if (!r.ok() || count > r.left() / 18) {
    return Fail(Reason::kCorrupt, "JKS entry count " + std::to_string(count) + " is truncated");
  }
  Outcome out;
  std::string cert_error;
  std::string keyless;  // alias of a private-key entry without a certificate
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t tag = r.U32();
    std::string alias(r.Utf());
    r.U64();  // date
    if (!r.ok()) break;
    if (tag == kPrivateKeyTag) {
      r.Bytes(r.U32());  // the encrypted key: skipped, never decrypted
      uint32_t chain = r.U32();
      if (!r.ok()) break;
      if (chain == 0 && keyless.empty()) keyless = alias;
      for (uint32_t c = 0; c < chain && r.ok(); ++c) {
        if (!ReadCert(r, version, alias, out, cert_error)) break;
      }
    } else if (tag == kTrustedCertTag) {
      if (!ReadCert(r, version, alias, out, cert_error)) break;
    } else {
      cert_error = "entry " + std::to_string(i + 1) + ": tag " + std::to_string(tag) +
                   " is neither a private key (1) nor a trusted certificate (2)";
      break;
    }
    if (!cert_error.empty()) break;
  }
  if (!r.ok()) return Fail(Reason::kCorrupt, "JKS keystore is truncated");
  if (!cert_error.empty()) return Fail(Reason::kCorrupt, cert_error);
  size_t body = r.pos();
  std::string_view digest = r.Bytes(kDigestBytes);
  if (!r.ok()) return Fail(Reason::kCorrupt, "JKS keystore is truncated (integrity digest)");

  std::string pw = Utf16Be(password.value_or(""));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  bool hashed = false;
  {
    std::unique_ptr<EVP_MD_CTX, FnDeleter<EVP_MD_CTX_free>> ctx(EVP_MD_CTX_new());
    hashed = ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr) == 1 &&
             EVP_DigestUpdate(ctx.get(), pw.data(), pw.size()) == 1 &&
             EVP_DigestUpdate(ctx.get(), kWhitener.data(), kWhitener.size()) == 1 &&
             EVP_DigestUpdate(ctx.get(), data.data(), body) == 1 &&
             EVP_DigestFinal_ex(ctx.get(), md, &md_len) == 1;
  }
  OPENSSL_cleanse(pw.data(), pw.size());
  if (!hashed) {
    ERR_clear_error();
    return Fail(Reason::kCorrupt, "SHA-1 unavailable for the JKS integrity check");
  }
  if (md_len != kDigestBytes || CRYPTO_memcmp(md, digest.data(), kDigestBytes) != 0) {
    out.certs.clear();
    if (!password) {
      return Fail(Reason::kMissingPassword,
                  "JKS integrity check failed: no password configured (the empty one does not "
                  "match)");
    }
    return Fail(Reason::kWrongPassword,
                "JKS integrity check failed: wrong password, or the keystore was altered");
  }
  if (!keyless.empty()) {
    out.reason = Reason::kNoCertificate;
    out.error = "JKS private-key entry \"" + keyless + "\" has no certificate";
  } else if (out.certs.empty()) {
    out.reason = Reason::kNoCertificate;
    out.error = "JKS keystore holds no certificate";
  }
  return out;
}

}  // namespace certwatch::keystore
