// Keystore material for tests: real stores made by the openssl CLI and keytool in a directory,
// and a small JKS writer for stores those tools refuse to make (a key entry without its
// certificate, version 1, hostile counts).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace certwatch::testing {

// What MakeKeystores writes into `dir`:
//   leaf.pem (CN=app.example.test, 30 days, RSA) and ca.pem (CN=Test CA, 90 days, P-256);
//   modern.p12 (AES-256 + PBKDF2, `openssl pkcs12 -export`): leaf as "app" + ca, password
//   "s3cret"; legacy.p12 (`-legacy`: RC2-40 certificate bags, 3DES key): leaf as "app",
//   password "s3cret"; nokey-cert.p12: a key without its certificate (`-nocerts`);
//   store.jks (keytool, JKS, password "changeit"): private-key entry "app" (the leaf) and
//   trusted entry "myca" (ca).
// Returns false when a tool failed.
bool MakeKeystores(const std::string& dir);

std::string ReadFileBytes(const std::filesystem::path& path);

// A JKS store written as sun.security.provider.JavaKeyStore does, with its SHA-1 digest.
struct JksEntry {
  bool private_key = false;  // tag 1; else a trusted certificate (tag 2)
  std::string alias;
  std::vector<std::string> certs_der;  // the chain (private key) or one certificate
  std::string key_bytes = "encrypted-key-bytes";
};
std::string WriteJks(const std::vector<JksEntry>& entries, const std::string& password,
                     uint32_t version = 2);

// DER of the first certificate of a PEM file.
std::string PemToDer(const std::string& pem_path);

}  // namespace certwatch::testing
