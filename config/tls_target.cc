#include "config/tls_target.h"

#include "common/strings.h"
#include "config/address.h"

namespace certwatch {

std::string TlsTargetIdentity::Key() const {
  return HostPort{AsciiLower(host), port}.ToString() + "|" + AsciiLower(server_name);
}

Result<TlsTargetIdentity> ResolveTlsTargetIdentity(const TlsTargetConfig& target) {
  auto hp = ParseHostPort(target.address);
  if (!hp) return hp.error().Wrap("address");
  TlsTargetIdentity id;
  id.address = target.address;
  id.host = hp->host;
  id.port = hp->port;
  id.server_name = target.server_name.empty() ? hp->host : target.server_name;
  return id;
}

}  // namespace certwatch
