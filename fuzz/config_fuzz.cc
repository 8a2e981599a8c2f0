// Config and web config files are untrusted input: whatever the bytes, the strict loaders
// return a value or positioned errors, never crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.h"
#include "config/web_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto config = certwatch::ParseConfig(in, "fuzz.yaml");
  if (config.has_value()) {
    // Accepted configs satisfy the rules the loader promises.
    const auto& c = config.value();
    if (c.tls_probes.timeout > c.tls_probes.interval) __builtin_trap();
    if (c.dns_probes.timeout > c.dns_probes.interval) __builtin_trap();
    for (const auto& t : c.tls_probes.targets) {
      if (t.address.empty()) __builtin_trap();
      if (t.client_cert_file.empty() != t.client_key_file.empty()) __builtin_trap();
    }
  } else if (config.error().message.rfind("fuzz.yaml", 0) != 0) {
    __builtin_trap();  // every error names the file
  }
  auto web = certwatch::ParseWebConfig(in, "web.yml", "/etc/certwatch");
  if (web.has_value()) {
    const auto& t = web.value().tls;
    if (t.cert_file.empty() != t.key_file.empty()) __builtin_trap();
    if (t.client_auth().verify && t.client_ca_file.empty()) __builtin_trap();
  } else if (web.error().message.rfind("web.yml", 0) != 0) {
    __builtin_trap();
  }
  return 0;
}
