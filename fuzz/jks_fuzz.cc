// Java KeyStores from outside (files, Secrets): the parser must bound every length by the
// input and never crash, whatever the bytes; the password varies with the input's first byte.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/keystore/keystore.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  using certwatch::keystore::ParseJks;
  auto with = ParseJks(in, "changeit");
  if (with.ok() && with.certs.empty()) __builtin_trap();  // read whole means >= 1 certificate
  (void)ParseJks(in, std::nullopt);
  (void)certwatch::keystore::Sniff(in);
  if (size > 0) (void)certwatch::keystore::Utf16Be(in.substr(0, size % 64));
  return 0;
}
