#include "cmd/status_network.h"

#include "common/clock.h"
#include "common/log.h"
#include "probes/caa.h"
#include "probes/dns_scheduler.h"
#include "probes/event_loop.h"
#include "probes/targets.h"
#include "probes/tls.h"

namespace certwatch {

namespace {

TlsProbeResult Failed(const EndpointTarget& t, std::string error) {
  TlsProbeResult r;
  r.target = t.target.address;
  r.server_name = t.target.server_name;
  r.source = t.source;
  r.certificate = t.target.certificate;
  r.error = std::move(error);
  return r;
}

}  // namespace

std::vector<TlsProbeResult> ProbeNetworkChecker::ProbeEndpoints(
    const std::vector<EndpointTarget>& targets) {
  std::vector<TlsProbeResult> out(targets.size());
  EventLoop loop;
  size_t done = 0;
  {
    TlsProber prober(loop);
    size_t started = 0;
    for (size_t i = 0; i < targets.size(); ++i) {
      const EndpointTarget& t = targets[i];
      auto o = ProbeOptionsFor(t.target, std::chrono::duration_cast<std::chrono::milliseconds>(
                                             config_.tls_probes.timeout));
      if (!o) {
        out[i] = Failed(t, o.error().message);
        ++done;
        continue;
      }
      ++started;
      prober.Probe(*o, [&out, &done, &t, i](TlsProbeReport report) {
        TlsProbeResult r = std::move(report.result);
        r.target = t.target.address;
        r.source = t.source;
        r.certificate = t.target.certificate;
        out[i] = std::move(r);
        ++done;
      });
    }
    if (started > 0) {
      loop.RunUntil([&] { return done == targets.size(); },
                    config_.tls_probes.timeout + std::chrono::seconds(2));
    }
    prober.CancelAll();
  }
  for (size_t i = 0; i < targets.size(); ++i) {
    if (out[i].target.empty()) out[i] = Failed(targets[i], "probe did not finish in time");
  }
  return out;
}

DnsCheckResult ProbeNetworkChecker::CheckDns(const CertificateState& certificate,
                                             const std::optional<IssuerState>& issuer,
                                             const std::vector<ChallengeState>& challenges) {
  DnsCheckResult out;
  const DnsProbesConfig& dc = config_.dns_probes;
  if (!dc.caa) {
    out.caa_skipped = "dns_probes.caa is false";
  } else if (certificate.dns_names.empty()) {
    out.caa_skipped = "the Certificate has no dnsNames";
  } else if (!issuer) {
    out.caa_skipped = "issuer not found";
  } else if (issuer->acme_server.empty()) {
    out.caa_skipped = "issuer is not ACME (no CA domain to look for)";
  } else if (CaDomainForAcmeServer(issuer->acme_server, dc.caa_issuers).empty()) {
    out.caa_skipped =
        "CA of ACME server " + issuer->acme_server + " unknown (map it in dns_probes.caa_issuers)";
  }
  bool any_dns01 = false;
  for (const auto& ch : challenges) {
    any_dns01 |= ch.type == "DNS-01" && ch.presented && ch.state != "valid";
  }
  if (!out.caa_skipped.empty() && !any_dns01) return out;

  // One round of the exporter's DNS source over a store holding only this certificate.
  StateStore store;
  store.Update([&](StateData& d) {
    if (out.caa_skipped.empty()) {
      d.certificates[certificate.ns + "/" + certificate.name] = certificate;
      d.issuers[issuer->kind == "ClusterIssuer" ? "ClusterIssuer/" + issuer->name
                                                : "Issuer/" + certificate.ns + "/" + issuer->name] =
          *issuer;
    }
    for (const auto& ch : challenges) {
      // Valid challenges are done; their records are usually cleaned up already.
      if (ch.state != "valid") d.challenges[ch.ns + "/" + ch.name] = ch;
    }
    return 0;
  });
  DnsProbesConfig round = dc;
  round.queries.clear();
  round.caa = out.caa_skipped.empty();
  SystemClock clock;
  Logger logger = NullLogger();
  EventLoop loop;
  DnsScheduler scheduler(loop, store, round, clock, logger);
  scheduler.Start();
  // Each CAA climb and CNAME chase is a few sequential queries of at most `timeout` each.
  const auto budget = dc.timeout * 8 + std::chrono::seconds(2);
  if (!loop.RunUntil([&] { return scheduler.rounds() >= 1; }, budget)) {
    out.errors.push_back(
        "DNS checks did not finish within " +
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(budget).count()) + "s");
  }
  scheduler.StopOnLoop();
  store.Read([&](const StateData& d) {
    for (const auto& [k, r] : d.dns_challenges) out.challenges.push_back(r);
    for (const auto& [k, r] : d.caa) out.caa.push_back(r);
    return 0;
  });
  return out;
}

}  // namespace certwatch
