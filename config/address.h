// Syntax checks for the address-like values of config files: host:port, URLs, CIDRs, DNS
// names. They are also usable by commands that take such values on the command line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace certwatch {

struct HostPort {
  std::string host;  // without brackets; "" = all interfaces (listen addresses only)
  uint16_t port = 0;
  // host:port with IPv6 hosts in brackets.
  std::string ToString() const;
};

struct HostPortOptions {
  int default_port = 0;           // > 0: "host" alone means host:default_port
  bool allow_empty_host = false;  // ":9480" (listen on all interfaces)
};

// "example.test:443", "10.0.0.1:53", "[::1]:8443". Errors say what is wrong with the value:
// `bad address "example.test": missing port (want host:port)`.
Result<HostPort> ParseHostPort(std::string_view s, HostPortOptions options = {});

// Host names compare lower-cased and without trailing dots ("Example.COM." is "example.com").
std::string CanonicalHostName(std::string_view s);

// A DNS name or IP literal usable as a host: letters, digits, '-', '_', '.', no empty label.
bool IsValidHostName(std::string_view s);

// http:// or https:// followed by a valid host[:port] and an optional path.
Status CheckHttpUrl(std::string_view s);

// "10.0.0.0/8", "fd00::/8": address and prefix length within the family's size (the parser
// is ParseCidr in config/allow_list.h).
Status CheckCidr(std::string_view s);

}  // namespace certwatch
