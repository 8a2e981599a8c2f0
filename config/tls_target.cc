#include "config/tls_target.h"

#include <cctype>

#include "config/address.h"

namespace certwatch {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string TlsTargetIdentity::Key() const {
  return HostPort{Lower(host), port}.ToString() + "|" + Lower(server_name);
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
