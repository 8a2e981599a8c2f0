#include "config/address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/strings.h"
#include "config/allow_list.h"

namespace certwatch {
namespace {

Error Bad(std::string_view s, const std::string& why) {
  return Error{"bad address \"" + std::string(s) + "\": " + why};
}

bool IsIPv6(const std::string& s) {
  in6_addr a;
  return inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

Result<uint16_t> ParsePort(std::string_view whole, std::string_view p) {
  if (p.empty()) return Bad(whole, "missing port (want host:port)");
  if (!std::all_of(p.begin(), p.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return Bad(whole, "port \"" + std::string(p) + "\" is not a number");
  }
  unsigned long v = 0;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
  if (ec != std::errc() || ptr != p.data() + p.size() || v < 1 || v > 65535) {
    return Bad(whole, "port " + std::string(p) + " is out of range 1-65535");
  }
  return static_cast<uint16_t>(v);
}

}  // namespace

std::string HostPort::ToString() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::string CanonicalHostName(std::string_view s) {
  std::string out = AsciiLower(s);
  while (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

bool IsValidHostName(std::string_view s) {
  if (s.empty() || s.size() > 254) return false;
  if (s.back() == '.') s.remove_suffix(1);
  size_t label = 0;
  for (char c : s) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    if (++label > 63) return false;
  }
  return label > 0;
}

Result<HostPort> ParseHostPort(std::string_view s, HostPortOptions options) {
  if (s.empty()) return Error{"bad address \"\": empty (want host:port)"};
  HostPort hp;
  std::string_view port;
  bool has_port = false;
  if (s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos) return Bad(s, "missing ']' after IPv6 address");
    hp.host = std::string(s.substr(1, close - 1));
    if (!IsIPv6(hp.host)) return Bad(s, "\"" + hp.host + "\" is not an IPv6 address");
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Bad(s, "want ':' and a port after ']'");
      port = rest.substr(1);
      has_port = true;
    }
  } else {
    size_t colons = std::count(s.begin(), s.end(), ':');
    if (colons > 1) return Bad(s, "IPv6 addresses need brackets, e.g. [::1]:443");
    size_t colon = s.find(':');
    if (colon == std::string_view::npos) {
      hp.host = std::string(s);
    } else {
      hp.host = std::string(s.substr(0, colon));
      port = s.substr(colon + 1);
      has_port = true;
    }
    if (hp.host.empty()) {
      if (!options.allow_empty_host) return Bad(s, "missing host (want host:port)");
    } else if (!IsValidHostName(hp.host)) {
      return Bad(s, "\"" + hp.host + "\" is not a valid host name or IP address");
    }
  }
  if (!has_port) {
    if (options.default_port <= 0) return Bad(s, "missing port (want host:port)");
    hp.port = static_cast<uint16_t>(options.default_port);
    return hp;
  }
  auto p = ParsePort(s, port);
  if (!p) return p.error();
  hp.port = *p;
  return hp;
}

Status CheckHttpUrl(std::string_view s) {
  auto bad = [&](const std::string& why) {
    return Error{"bad URL \"" + std::string(s) + "\": " + why};
  };
  std::string_view rest;
  int default_port = 0;
  if (s.starts_with("http://")) {
    rest = s.substr(7);
    default_port = 80;
  } else if (s.starts_with("https://")) {
    rest = s.substr(8);
    default_port = 443;
  } else {
    return bad("want http:// or https://");
  }
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.empty()) return bad("missing host");
  if (authority.find('@') != std::string_view::npos) {
    return bad("credentials in URLs are not supported");
  }
  auto hp = ParseHostPort(authority, HostPortOptions{.default_port = default_port});
  if (!hp) return bad(hp.error().message);
  return OkStatus();
}

Status CheckCidr(std::string_view s) {
  auto c = ParseCidr(s);
  if (!c) return c.error();
  return OkStatus();
}

}  // namespace certwatch
