// `certwatch probe tls HOST:PORT`: one handshake, reported for a human (chain, dates, days
// left, verification reason, what to do) or as JSON. Exit 1 when the endpoint is unhealthy
// (no handshake, or a chain / name that does not verify), 2 on usage errors.
#include <ctime>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cmd/commands.h"
#include "common/duration.h"
#include "common/strings.h"
#include "common/time.h"
#include "config/address.h"
#include "probes/targets.h"
#include "probes/tls.h"
#include "probes/tls_verify.h"

namespace certwatch {
namespace {

struct ProbeTlsArgs {
  std::string address, server_name, ca_file, client_cert, client_key, min_version, starttls;
  std::string output = "text";
  std::string timeout = "10s";
};

double DaysLeft(int64_t not_after, int64_t now) {
  return static_cast<double>(not_after - now) / 86400.0;
}

std::string DaysText(int64_t not_after, int64_t now) {
  double d = DaysLeft(not_after, now);
  std::ostringstream o;
  o << std::fixed << std::setprecision(1);
  if (d >= 0) {
    o << d << " days left";
  } else {
    o << "EXPIRED " << -d << " days ago";
  }
  return o.str();
}

nlohmann::json CertJson(const CertFacts& f, int64_t now) {
  nlohmann::json weak = nlohmann::json::array();
  for (WeakReason r : kWeakReasons) {
    if (f.weak & r) weak.push_back(std::string(WeakReasonName(r)));
  }
  return {{"subject", f.subject},
          {"issuer", f.issuer},
          {"serial", f.serial},
          {"fingerprint_sha256", f.fingerprint_sha256},
          {"not_before", f.not_before},
          {"not_after", f.not_after},
          {"not_after_rfc3339", FormatRfc3339(f.not_after)},
          {"days_left", DaysLeft(f.not_after, now)},
          {"dns_names", f.dns_names},
          {"is_ca", f.is_ca},
          {"self_signed", f.self_signed},
          {"key_type", std::string(KeyTypeName(f.key_type))},
          {"key_bits", f.key_bits},
          {"signature_algorithm", std::string(SignatureAlgorithmName(f.signature_nid))},
          {"weak", weak}};
}

bool Healthy(const TlsProbeReport& r) { return r.result.success && r.result.verified; }

void PrintJson(const TlsProbeReport& r, int64_t now, std::ostream& out) {
  const TlsProbeResult& x = r.result;
  nlohmann::json j = {{"target", x.target},
                      {"server_name", x.server_name},
                      {"peer", r.peer},
                      {"healthy", Healthy(r)},
                      {"success", x.success},
                      {"verified", x.verified},
                      {"verify_reason", std::string(ToString(x.verify_reason))},
                      {"verify_detail", r.verify_detail},
                      {"hostname_ok", r.hostname_ok},
                      {"error", x.error},
                      {"phase", r.phase},
                      {"tls_version", x.tls_version},
                      {"cipher", x.cipher},
                      {"duration_seconds", x.duration_seconds},
                      {"connect_seconds", r.connect_seconds},
                      {"handshake_seconds", r.handshake_seconds},
                      {"advice", std::string(VerifyAdvice(x.verify_reason))}};
  j["leaf"] = nullptr;
  if (!r.served_chain.empty()) j["leaf"] = CertJson(r.served_chain.front(), now);
  j["chain"] = nlohmann::json::array();
  for (const auto& f : r.served_chain) j["chain"].push_back(CertJson(f, now));
  j["verified_chain"] = nlohmann::json::array();
  for (const auto& f : r.verified_chain) j["verified_chain"].push_back(CertJson(f, now));
  j["chain_earliest_not_after"] = nullptr;
  if (x.chain_earliest_not_after) j["chain_earliest_not_after"] = *x.chain_earliest_not_after;
  j["ocsp"] = nullptr;
  if (!x.ocsp_status.empty() || !r.ocsp_error.empty()) {
    nlohmann::json o = {{"status", x.ocsp_status}, {"error", r.ocsp_error}};
    o["this_update"] = r.ocsp_this_update ? nlohmann::json(*r.ocsp_this_update) : nullptr;
    o["next_update"] = r.ocsp_next_update ? nlohmann::json(*r.ocsp_next_update) : nullptr;
    j["ocsp"] = o;
  }
  out << j.dump(2) << "\n";
}

void PrintText(const TlsProbeReport& r, int64_t now, std::ostream& out) {
  const TlsProbeResult& x = r.result;
  out << "TLS probe of " << x.target << " (server name " << x.server_name << ")\n";
  out << "  result:     " << (Healthy(r) ? "HEALTHY" : "UNHEALTHY") << " ("
      << ToString(x.verify_reason) << ")\n";
  if (!x.error.empty()) out << "  error:      " << x.error << "\n";
  out << std::fixed << std::setprecision(1);
  if (!r.peer.empty() && r.phase != "connect") {
    out << "  connected:  " << r.peer << " in " << r.connect_seconds * 1000 << " ms";
    if (x.success) {
      out << "; handshake " << r.handshake_seconds * 1000 << " ms, " << x.tls_version << ", "
          << x.cipher;
    }
    out << "\n";
  }
  if (x.leaf) {
    out << "  verify:     " << ToString(x.verify_reason);
    if (!r.verify_detail.empty()) out << " (" << r.verify_detail << ")";
    out << "\n  hostname:   " << (r.hostname_ok ? "matches " : "does NOT match ") << x.server_name
        << "\n";
  }
  if (!x.ocsp_status.empty()) {
    out << "  OCSP:       " << x.ocsp_status << " (stapled";
    if (r.ocsp_next_update) out << ", next update " << FormatRfc3339(*r.ocsp_next_update);
    out << ")\n";
  } else if (!r.ocsp_error.empty()) {
    out << "  OCSP:       " << r.ocsp_error << "\n";
  }
  if (!r.served_chain.empty()) {
    out << "served chain (" << r.served_chain.size() << "):\n";
    for (size_t i = 0; i < r.served_chain.size(); ++i) {
      const CertFacts& f = r.served_chain[i];
      out << "  [" << i << "] " << f.subject << "\n";
      out << "      issuer:     " << f.issuer << "\n";
      out << "      not before: " << FormatRfc3339(f.not_before)
          << (f.not_before > now ? "  (NOT YET VALID)" : "") << "\n";
      out << "      not after:  " << FormatRfc3339(f.not_after) << "  ("
          << DaysText(f.not_after, now) << ")\n";
      out << "      serial:     " << f.serial << "\n";
      out << "      sha256:     " << f.fingerprint_sha256 << "\n";
      if (!f.dns_names.empty()) {
        out << "      names:      " << Join(f.dns_names, " ") << "\n";
      }
    }
  }
  if (x.chain_earliest_not_after) {
    out << "earliest expiry in chain: " << FormatRfc3339(*x.chain_earliest_not_after) << " ("
        << DaysText(*x.chain_earliest_not_after, now) << ")\n";
  }
  out << "what to do: " << VerifyAdvice(x.verify_reason) << "\n";
}

}  // namespace

void AddProbeTlsCommand(CLI::App& probe, int& exit_code) {
  auto args = std::make_shared<ProbeTlsArgs>();
  auto* cmd = probe.add_subcommand("tls", "Handshake with HOST:PORT once and report the chain");
  cmd->add_option("address", args->address, "HOST:PORT to connect to")->required();
  cmd->add_option("--server-name", args->server_name, "SNI and name to check (default: host)");
  cmd->add_option("--ca-file", args->ca_file, "Extra trust roots (PEM)");
  cmd->add_option("--client-cert", args->client_cert, "Client certificate (PEM) for mTLS");
  cmd->add_option("--client-key", args->client_key, "Key of --client-cert (PEM)");
  cmd->add_option("--min-version", args->min_version, "Lowest TLS version: TLS1.2 or TLS1.3");
  cmd->add_option("--starttls", args->starttls, "Plaintext protocol to upgrade: smtp, postgres");
  cmd->add_option("--timeout", args->timeout, "Deadline of the probe (Prometheus duration)");
  cmd->add_option("-o,--output", args->output, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->callback([args, &exit_code] {
    auto usage = [&](const std::string& msg) {
      std::cerr << "certwatch probe tls: " << msg << "\n";
      exit_code = 2;
    };
    auto timeout = ParseDuration(args->timeout);
    if (!timeout) return usage("--timeout: " + timeout.error().message);
    // The same resolution as a tls_probes.targets entry (server name defaults to the host).
    TlsTargetConfig target;
    target.address = args->address;
    target.server_name = args->server_name;
    target.ca_file = args->ca_file;
    target.client_cert_file = args->client_cert;
    target.client_key_file = args->client_key;
    target.min_version = args->min_version;
    target.starttls = args->starttls;
    auto resolved = ResolveTlsTarget(target);
    if (!resolved) return usage(resolved.error().message);
    const TlsProbeOptions o = ProbeOptionsFor(*resolved, *timeout);
    TlsProbeReport r = ProbeTlsOnce(o);
    if (r.result.verify_reason == VerifyReason::kConfigError) return usage(r.result.error);
    int64_t now = static_cast<int64_t>(std::time(nullptr));
    if (args->output == "json") {
      PrintJson(r, now, std::cout);
    } else {
      PrintText(r, now, std::cout);
    }
    exit_code = Healthy(r) ? 0 : 1;
  });
}

}  // namespace certwatch
