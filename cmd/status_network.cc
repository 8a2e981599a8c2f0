#include "cmd/status_network.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "common/clock.h"
#include "common/log.h"
#include "probes/caa.h"
#include "probes/dns.h"
#include "probes/dns_checks.h"
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
      const TlsProbeOptions o = ProbeOptionsFor(
          t.target,
          std::chrono::duration_cast<std::chrono::milliseconds>(config_.tls_probes.timeout));
      ++started;
      prober.Probe(o, [&out, &done, &t, i](TlsProbeReport report) {
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
    any_dns01 |= IsDns01(ch.type) && ch.presented && ch.state != "valid";
  }
  if (!out.caa_skipped.empty() && !any_dns01) return out;

  // The exporter's challenge and CAA checks, once, over one lookup (no scheduler, no store).
  const auto now = static_cast<UnixSeconds>(SystemClock().NowSeconds());
  std::vector<std::pair<ChallengeState, UnixSeconds>> to_check;
  for (const auto& ch : challenges) {
    // Valid challenges are done; their records are usually cleaned up already.
    if (dc.acme_challenges && IsDns01(ch.type) && ch.presented && !ch.dns_name.empty() &&
        ch.state != "valid") {
      to_check.emplace_back(ch, ch.created > 0 ? ch.created : now);
    }
  }
  std::vector<CaaSubject> subjects;
  if (out.caa_skipped.empty()) {
    const std::string ca = CaDomainForAcmeServer(issuer->acme_server, dc.caa_issuers);
    std::set<std::string> names(certificate.dns_names.begin(), certificate.dns_names.end());
    for (const auto& n : names) {
      if (!CaaLookupName(n).empty()) {
        subjects.push_back({certificate.ns, certificate.name, certificate.issuer, ca, n});
      }
    }
  }
  size_t pending = to_check.size() + subjects.size();
  EventLoop loop;
  {
    DnsClientOptions opts;
    opts.timeout = dc.timeout;
    opts.max_concurrency = dc.max_concurrency;
    DnsClient client(loop, opts);
    auto lookup = std::make_shared<DnsLookup>(client, dc.resolvers, dc.authoritative_port);
    for (const auto& [ch, since] : to_check) {
      CheckChallenge(*lookup, ch, dc.authoritative, now, since,
                     [&out, &pending](std::vector<DnsChallengeResult> r) {
                       out.challenges.insert(out.challenges.end(), r.begin(), r.end());
                       --pending;
                     });
    }
    for (const auto& subject : subjects) {
      CheckCaa(*lookup, subject, now, [&out, &pending](CaaResult r) {
        out.caa.push_back(std::move(r));
        --pending;
      });
    }
    // Each CAA climb and CNAME chase is a few sequential queries of at most `timeout` each.
    const auto budget = dc.timeout * 8 + std::chrono::seconds(2);
    if (!loop.RunUntil([&] { return pending == 0; }, budget)) {
      out.errors.push_back(
          "DNS checks did not finish within " +
          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(budget).count()) + "s");
    }
  }
  // In the order of the store the exporter keeps them in.
  std::sort(out.challenges.begin(), out.challenges.end(), [](const auto& a, const auto& b) {
    return std::tie(a.ns, a.challenge, a.resolver) < std::tie(b.ns, b.challenge, b.resolver);
  });
  std::sort(out.caa.begin(), out.caa.end(),
            [](const auto& a, const auto& b) { return a.domain < b.domain; });
  return out;
}

}  // namespace certwatch
