// Who a TLS target is: its address parsed and its server name defaulted to the host, once.
// check-config rejects two targets with one identity, the exporter keys its schedule by it,
// and `status certificate` and `probe tls` probe under it.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "config/config.h"

namespace certwatch {

struct TlsTargetIdentity {
  std::string address;  // as configured: the `target` label
  std::string host;     // without brackets
  uint16_t port = 0;
  std::string server_name;  // SNI and the name checked: as configured, else the host
  // One target per key: the host (case-insensitive), port and server name (case-insensitive).
  std::string Key() const;
};

// Errors name the field: `address: bad address "x": missing port (want host:port)`.
Result<TlsTargetIdentity> ResolveTlsTargetIdentity(const TlsTargetConfig& target);

}  // namespace certwatch
