#include "tests/lib/keystore_support.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

namespace certwatch::testing {
namespace {

bool Run(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

void Be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void Utf(std::string& out, const std::string& s) {
  Be(out, s.size(), 2);
  out += s;
}

}  // namespace

std::string ReadFileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool MakeKeystores(const std::string& dir) {
  const std::string d = dir + "/";
  return Run("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + d + "leaf.key -out " + d +
             "leaf.pem -days 30 -subj /CN=app.example.test") &&
         Run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + d +
             "ca.key -out " + d + "ca.pem -days 90 '-subj' '/CN=Test CA'") &&
         Run("openssl pkcs12 -export -in " + d + "leaf.pem -inkey " + d + "leaf.key -certfile " +
             d + "ca.pem -name app -passout pass:s3cret -out " + d + "modern.p12") &&
         Run("openssl pkcs12 -export -legacy -in " + d + "leaf.pem -inkey " + d +
             "leaf.key -name app -passout pass:s3cret -out " + d + "legacy.p12") &&
         Run("openssl pkcs12 -export -nocerts -inkey " + d + "leaf.key -name lonely " +
             "-passout pass:s3cret -out " + d + "nokey-cert.p12") &&
         Run("keytool -importkeystore -noprompt -srckeystore " + d +
             "modern.p12 -srcstoretype PKCS12 -srcstorepass s3cret -destkeystore " + d +
             "store.jks -deststoretype JKS -deststorepass changeit") &&
         Run("keytool -importcert -noprompt -alias myca -file " + d + "ca.pem -keystore " + d +
             "store.jks -storetype JKS -storepass changeit");
}

std::string PemToDer(const std::string& pem_path) {
  std::string der = pem_path + ".der";
  if (!Run("openssl x509 -in " + pem_path + " -outform DER -out " + der)) return "";
  return ReadFileBytes(der);
}

std::string WriteJks(const std::vector<JksEntry>& entries, const std::string& password,
                     uint32_t version) {
  std::string out;
  Be(out, 0xFEEDFEED, 4);
  Be(out, version, 4);
  Be(out, entries.size(), 4);
  auto cert = [&](const std::string& der) {
    if (version == 2) Utf(out, "X.509");
    Be(out, der.size(), 4);
    out += der;
  };
  for (const auto& e : entries) {
    Be(out, e.private_key ? 1 : 2, 4);
    Utf(out, e.alias);
    Be(out, 1700000000000ULL, 8);
    if (e.private_key) {
      Be(out, e.key_bytes.size(), 4);
      out += e.key_bytes;
      Be(out, e.certs_der.size(), 4);
      for (const auto& c : e.certs_der) cert(c);
    } else {
      cert(e.certs_der.at(0));
    }
  }
  std::string pw;  // ASCII passwords only: each char as a UTF-16BE code unit
  for (char c : password) {
    pw.push_back('\0');
    pw.push_back(c);
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr);
  EVP_DigestUpdate(ctx.get(), pw.data(), pw.size());
  EVP_DigestUpdate(ctx.get(), "Mighty Aphrodite", 16);
  EVP_DigestUpdate(ctx.get(), out.data(), out.size());
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  out.append(reinterpret_cast<const char*>(md), len);
  return out;
}

}  // namespace certwatch::testing
