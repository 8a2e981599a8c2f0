// PKCS#12 stores from outside (files, Secrets): OpenSSL's DER and bag parsing behind our walk
// over bags, friendly names and localKeyIds; never a crash, whatever the bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/keystore/keystore.h"
#include "exporter/files/cert_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  using certwatch::keystore::ParsePkcs12;
  auto with = ParsePkcs12(in, "s3cret");
  if (with.ok() && with.certs.empty()) __builtin_trap();  // read whole means >= 1 certificate
  (void)ParsePkcs12(in, std::nullopt);
  (void)certwatch::ReadCertFileData(in, "/nonexistent", "auto", "s3cret");
  return 0;
}
