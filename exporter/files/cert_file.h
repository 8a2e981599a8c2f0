// Reading one certificate file: PEM bundles, DER, and kubeconfigs whose users and clusters
// embed certificates (client-certificate-data, certificate-authority-data) or point at files.
// kubeadm's control-plane certificates expire after a year; this is how they are seen.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/x509.h"

namespace certwatch {

struct FoundCert {
  std::string where;  // "" for a plain file; "user:<name>" / "cluster:<name>" in a kubeconfig
  CertFacts facts;
};

// True when `data` looks like a kubeconfig (YAML with clusters/users), not PEM or DER.
bool LooksLikeKubeconfig(std::string_view data);

// Certificates of a kubeconfig. Relative file references resolve against `dir`. Errors name
// the entry and field: "users[admin].client-certificate-data: invalid base64".
Result<std::vector<FoundCert>> CertsFromKubeconfig(std::string_view yaml, const std::string& dir);

// Certificates in a file's contents (PEM, DER or kubeconfig).
Result<std::vector<FoundCert>> CertsFromFileData(std::string_view data, const std::string& dir);

}  // namespace certwatch
