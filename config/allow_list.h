// tls_probes.allowed_cidrs / allowed_domain_suffixes, parsed once when the config is loaded:
// which discovered (Ingress) targets the exporter may probe, so that a tenant's Ingress
// cannot make it probe arbitrary internal addresses.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace certwatch {

// A network: the address's family (AF_INET, AF_INET6), its bytes and the prefix length.
struct IpNetwork {
  int family = 0;
  unsigned char addr[16] = {};
  int prefix = 0;
  // Whether the IP literal `ip` is inside the network (false for a name or another family).
  bool Contains(std::string_view ip) const;
};

// "10.0.0.0/8", "fd00::/8": address and prefix length within the family's size. With
// `bare_ip_is_host`, "203.0.113.7" alone means the one address (/32 or /128).
Result<IpNetwork> ParseCidr(std::string_view s, bool bare_ip_is_host = false);

class AllowList {
 public:
  // Networks as "10.0.0.0/8" (a bare IP is the one address); suffixes as "example.test"
  // (case and leading or trailing dots ignored). Errors name the list and index.
  static Result<AllowList> Parse(const std::vector<std::string>& cidrs,
                                 const std::vector<std::string>& suffixes);
  // Allowed when the address is an IP inside one of the networks, or when the address (a
  // load-balancer host name) or the tls host is, or ends in, one of the suffixes (on a label
  // boundary: "example.test" allows "a.example.test", not "badexample.test").
  bool Allows(std::string_view address, std::string_view tls_host) const;
  bool IpAllowed(std::string_view ip) const;
  bool NameAllowed(std::string_view name) const;
  bool empty() const { return nets_.empty() && suffixes_.empty(); }

 private:
  std::vector<IpNetwork> nets_;
  std::vector<std::string> suffixes_;  // lower case, no leading/trailing dot
};

}  // namespace certwatch
