#include "config/tls_target.h"

#include "common/strings.h"
#include "config/address.h"
#include "config/config.h"

namespace certwatch {

Result<TlsVersion> ParseTlsVersion(std::string_view s) {
  if (s.empty()) return TlsVersion::kDefault;
  if (s == "TLS1.2" || s == "TLS12" || s == "1.2" || s == "TLSv1.2") return TlsVersion::kTls1_2;
  if (s == "TLS1.3" || s == "TLS13" || s == "1.3" || s == "TLSv1.3") return TlsVersion::kTls1_3;
  if (s == "TLS1.1" || s == "TLS11" || s == "1.1" || s == "TLSv1.1") return TlsVersion::kTls1_1;
  if (s == "TLS1.0" || s == "TLS10" || s == "1.0" || s == "TLSv1") return TlsVersion::kTls1_0;
  return Error{"min_version: unknown TLS version \"" + std::string(s) +
               "\" (want TLS1.2 or TLS1.3)"};
}

Result<StartTlsProtocol> ParseStartTls(std::string_view s) {
  if (s.empty() || s == "none") return StartTlsProtocol::kNone;
  if (s == "smtp") return StartTlsProtocol::kSmtp;
  if (s == "postgres" || s == "postgresql") return StartTlsProtocol::kPostgres;
  return Error{"starttls: unknown protocol \"" + std::string(s) + "\" (want smtp or postgres)"};
}

std::string_view ToString(StartTlsProtocol p) {
  switch (p) {
    case StartTlsProtocol::kNone:
      return "";
    case StartTlsProtocol::kSmtp:
      return "smtp";
    case StartTlsProtocol::kPostgres:
      return "postgres";
  }
  return "";
}

std::string ResolvedTlsTarget::Key() const {
  return HostPort{AsciiLower(host), port}.ToString() + "|" + AsciiLower(server_name);
}

Result<ResolvedTlsTarget> ResolveTlsTarget(const TlsTargetConfig& target) {
  auto hp = ParseHostPort(target.address);
  if (!hp) return hp.error().Wrap("address");
  ResolvedTlsTarget r;
  r.address = target.address;
  r.host = hp->host;
  r.port = hp->port;
  r.server_name = target.server_name.empty() ? hp->host : target.server_name;
  r.ca_file = target.ca_file;
  r.client_cert_file = target.client_cert_file;
  r.client_key_file = target.client_key_file;
  auto version = ParseTlsVersion(target.min_version);
  if (!version) return version.error();
  r.min_version = *version;
  auto starttls = ParseStartTls(target.starttls);
  if (!starttls) return starttls.error();
  r.starttls = *starttls;
  r.certificate = target.certificate;
  return r;
}

Status ResolveTlsProbes(TlsProbesConfig& config) {
  std::vector<ResolvedTlsTarget> targets;
  targets.reserve(config.targets.size());
  for (size_t i = 0; i < config.targets.size(); ++i) {
    auto t = ResolveTlsTarget(config.targets[i]);
    // "tls_probes.targets[2].address: bad address ...": the error starts with the field.
    if (!t) return Error{"tls_probes.targets[" + std::to_string(i) + "]." + t.error().message};
    targets.push_back(std::move(*t));
  }
  auto allow = AllowList::Parse(config.allowed_cidrs, config.allowed_domain_suffixes);
  if (!allow) return allow.error();
  config.resolved_targets = std::move(targets);
  config.allow_list = std::move(*allow);
  return OkStatus();
}

}  // namespace certwatch
