// DNS answers from resolvers and authoritative servers (any bytes a peer can send).
#include <cstddef>
#include <cstdint>

#include "probes/dns_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto response = certwatch::ParseDnsResponse(data, size);
  if (response.has_value()) {
    for (const char* type : {"A", "AAAA", "TXT", "CAA", "NS", "CNAME"}) {
      auto t = certwatch::ParseDnsType(type);
      if (t)
        (void)certwatch::AnswersOfType(response.value(), "example.test",
                                       static_cast<uint16_t>(t.value()));
    }
  }
  return 0;
}
