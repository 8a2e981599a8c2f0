#include "config/allow_list.h"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>
#include <cstring>

#include "config/address.h"

namespace certwatch {
namespace {

int ParseIp(const std::string& s, unsigned char* out) {
  if (inet_pton(AF_INET, s.c_str(), out) == 1) return AF_INET;
  if (inet_pton(AF_INET6, s.c_str(), out) == 1) return AF_INET6;
  return 0;
}

bool IsIpLiteral(std::string_view s) {
  unsigned char buf[16];
  return ParseIp(std::string(s), buf) != 0;
}

}  // namespace

bool IpNetwork::Contains(std::string_view ip) const {
  unsigned char bytes[16] = {};
  if (ParseIp(std::string(ip), bytes) != family) return false;
  const int full = prefix / 8, rest = prefix % 8;
  if (std::memcmp(bytes, addr, static_cast<size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  const auto mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (bytes[full] & mask) == (addr[full] & mask);
}

Result<IpNetwork> ParseCidr(std::string_view s, bool bare_ip_is_host) {
  auto bad = [&](const std::string& why) {
    return Error{"bad CIDR \"" + std::string(s) + "\": " + why};
  };
  const size_t slash = s.find('/');
  if (slash == std::string_view::npos && !bare_ip_is_host) {
    return bad("missing /prefix length (e.g. 10.0.0.0/8)");
  }
  const std::string addr(s.substr(0, slash));
  IpNetwork c;
  c.family = ParseIp(addr, c.addr);
  if (c.family == 0) return bad("\"" + addr + "\" is not an IP address");
  const int max_len = c.family == AF_INET ? 32 : 128;
  if (slash == std::string_view::npos) {
    c.prefix = max_len;
    return c;
  }
  const std::string_view len = s.substr(slash + 1);
  int v = -1;
  auto [ptr, ec] = std::from_chars(len.data(), len.data() + len.size(), v);
  if (len.empty() || ec != std::errc() || ptr != len.data() + len.size() || v < 0 || v > max_len) {
    return bad("prefix length must be 0-" + std::to_string(max_len));
  }
  c.prefix = v;
  return c;
}

Result<AllowList> AllowList::Parse(const std::vector<std::string>& cidrs,
                                   const std::vector<std::string>& suffixes) {
  AllowList a;
  for (size_t i = 0; i < cidrs.size(); ++i) {
    auto net = ParseCidr(cidrs[i], /*bare_ip_is_host=*/true);
    if (!net) return net.error().Wrap("tls_probes.allowed_cidrs[" + std::to_string(i) + "]");
    a.nets_.push_back(*net);
  }
  for (const auto& s : suffixes) {
    std::string l = CanonicalHostName(s);
    while (!l.empty() && l.front() == '.') l.erase(0, 1);
    if (!l.empty()) a.suffixes_.push_back(l);
  }
  return a;
}

bool AllowList::IpAllowed(std::string_view ip) const {
  for (const IpNetwork& n : nets_) {
    if (n.Contains(ip)) return true;
  }
  return false;
}

bool AllowList::NameAllowed(std::string_view name) const {
  const std::string l = CanonicalHostName(name);
  if (l.empty()) return false;
  for (const auto& s : suffixes_) {
    if (l == s) return true;
    if (l.size() > s.size() && l.ends_with(s) && l[l.size() - s.size() - 1] == '.') return true;
  }
  return false;
}

bool AllowList::Allows(std::string_view address, std::string_view tls_host) const {
  if (IsIpLiteral(address) ? IpAllowed(address) : NameAllowed(address)) return true;
  return NameAllowed(tls_host);
}

}  // namespace certwatch
