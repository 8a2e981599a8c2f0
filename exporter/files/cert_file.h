// Reading one certificate file: PEM bundles, DER, and kubeconfigs whose users and clusters
// embed certificates (client-certificate-data, certificate-authority-data) or point at files.
// kubeadm's control-plane certificates expire after a year; this is how they are seen.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/x509.h"

namespace certwatch {

struct FoundCert {
  std::string where;  // "" for a plain file; "user:<name>" / "cluster:<name>" in a kubeconfig
  CertFacts facts;
  bool keystore = false;  // from a PKCS#12 / JKS keystore
  std::string alias{};    // its alias there ("" without one)
};

// A file read whole or not: its certificates, and the error when it is not (a keystore with
// a key entry lacking its certificate has both).
struct FileRead {
  std::vector<FoundCert> certs;
  std::string error;   // "" when read whole
  std::string reason;  // keystores: keystore::Reason's label value; "" otherwise
};

// Whether a file of `format` (files[].format: auto, pem, der, pkcs12, jks) holding `data` is
// read as a keystore, and so needs its password: "pkcs12" / "jks", or "auto" sniffed as one.
bool IsKeystore(std::string_view data, std::string_view format);

// A file's certificates as `format` says. `password` is only used for keystores (nullopt: no
// password_file).
FileRead ReadCertFileData(std::string_view data, const std::string& dir, std::string_view format,
                          std::optional<std::string_view> password);

// True when `data` looks like a kubeconfig (YAML with clusters/users), not PEM or DER.
bool LooksLikeKubeconfig(std::string_view data);

// Certificates of a kubeconfig. Relative file references resolve against `dir`. Errors name
// the entry and field: "users[admin].client-certificate-data: invalid base64".
Result<std::vector<FoundCert>> CertsFromKubeconfig(std::string_view yaml, const std::string& dir);

// Certificates in a file's contents (PEM, DER or kubeconfig).
Result<std::vector<FoundCert>> CertsFromFileData(std::string_view data, const std::string& dir);

}  // namespace certwatch
