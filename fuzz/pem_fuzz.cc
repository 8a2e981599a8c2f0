// Certificate data from outside (files, Secrets, TLS peers): PEM bundles, DER, kubeconfigs.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/x509.h"
#include "exporter/files/cert_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto certs = certwatch::ParseCertificates(in);
  if (certs.has_value() && certs->empty()) __builtin_trap();  // success means >= 1 certificate
  (void)certwatch::CertsFromFileData(in, "/nonexistent");
  return 0;
}
