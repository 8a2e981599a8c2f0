// Collector "tls_probes": the last result of every TLS probe target, as the scheduler wrote it
// into the state store (a scrape never waits on a handshake).
#include <map>
#include <string>
#include <tuple>

#include "exporter/collector.h"
#include "revocation/verdict.h"
#include "state/keys.h"
#include "state/verify_reason.h"

namespace certwatch {
namespace {

// Drift per (namespace, certificate, target): several server names on one address (an
// Ingress with many hosts) fold into one series that matches only if every one of them does.
struct Drift {
  bool matches = true;
  double mismatch_seconds = 0;
};

}  // namespace

void CollectTlsProbes(const StateData& state, const CollectContext& ctx, MetricSink& sink) {
  const auto& tls = state.tls;
  auto each = [&](auto&& fn) {
    for (const auto& [key, r] : tls) fn(r);
  };
  // The prober's verdict, or `revoked` when a fresh CRL of the leaf's issuer lists the leaf
  // (as a stapled OCSP "revoked" does in the prober).
  const auto now = static_cast<UnixSeconds>(ctx.now);
  auto reason_of = [&](const TlsProbeResult& r) -> std::optional<VerifyReason> {
    if (!state.crls.empty() && r.success && r.leaf && RevokedByCrl(state, *r.leaf, now) == true) {
      return VerifyReason::kRevoked;
    }
    return r.verify_reason;
  };
  {
    FamilyWriter w(sink, "certwatch_tls_probe_success",
                   "1 if the TLS handshake with the target completed.");
    each([&](const TlsProbeResult& r) {
      w.Add({{"target", r.target}, {"server_name", r.server_name}}, r.success ? 1 : 0);
    });
  }
  {
    FamilyWriter w(sink, "certwatch_tls_probe_duration_seconds",
                   "Duration of the last probe: connect, STARTTLS and handshake.");
    each([&](const TlsProbeResult& r) {
      w.Add({{"target", r.target}, {"server_name", r.server_name}}, r.duration_seconds);
    });
  }
  {
    FamilyWriter w(sink, "certwatch_tls_cert_not_after_timestamp_seconds",
                   "notAfter of the served leaf certificate, exported even when verification "
                   "fails, unix seconds.");
    each([&](const TlsProbeResult& r) {
      if (r.leaf) {
        w.Add({{"target", r.target}, {"server_name", r.server_name}},
              static_cast<double>(r.leaf->not_after));
      }
    });
  }
  {
    FamilyWriter w(sink, "certwatch_tls_cert_not_before_timestamp_seconds",
                   "notBefore of the served leaf certificate, unix seconds.");
    each([&](const TlsProbeResult& r) {
      if (r.leaf) {
        w.Add({{"target", r.target}, {"server_name", r.server_name}},
              static_cast<double>(r.leaf->not_before));
      }
    });
  }
  {
    FamilyWriter w(sink, "certwatch_tls_chain_earliest_not_after_timestamp_seconds",
                   "Earliest notAfter among the certificates the server sent, unix seconds.");
    each([&](const TlsProbeResult& r) {
      if (r.chain_earliest_not_after) {
        w.Add({{"target", r.target}, {"server_name", r.server_name}},
              static_cast<double>(*r.chain_earliest_not_after));
      }
    });
  }
  {
    FamilyWriter w(sink, "certwatch_tls_cert_verified",
                   "1 if the served chain verifies against the trust roots and matches the "
                   "server name, and no fresh CRL revokes the leaf.");
    each([&](const TlsProbeResult& r) {
      w.Add({{"target", r.target}, {"server_name", r.server_name}},
            r.verified && reason_of(r) == VerifyReason::kOk ? 1 : 0);
    });
  }
  {
    FamilyWriter w(sink, "certwatch_tls_verify_result",
                   "1 for the current verification reason of the target.");
    // Every reason is pre-created as a series so that a change of verdict flips values instead
    // of making series appear and vanish (blackbox_exporter's habit for phases). "other" is 1
    // while there is no reason: no verification ran, or a state document of another version
    // spelled one this version does not know.
    each([&](const TlsProbeResult& r) {
      const std::optional<VerifyReason> verdict = reason_of(r);
      for (auto reason : kVerifyReasons) {
        w.Add({{"target", r.target}, {"server_name", r.server_name}, {"reason", ToString(reason)}},
              verdict == reason ? 1 : 0);
      }
      w.Add({{"target", r.target}, {"server_name", r.server_name}, {"reason", "other"}},
            verdict ? 0 : 1);
    });
  }
  {
    FamilyWriter w(sink, "certwatch_tls_info",
                   "Facts of the served leaf and the negotiated connection; always 1.",
                   prometheus::MetricType::Gauge, OmType::kInfo);
    each([&](const TlsProbeResult& r) {
      if (!r.leaf) return;
      KeyFactLabels key(*r.leaf);
      const Label facts[] = {{"target", r.target},
                             {"server_name", r.server_name},
                             {"source", r.source},
                             {"version", r.tls_version},
                             {"cipher", r.cipher},
                             {"serial", r.leaf->serial},
                             {"fingerprint_sha256", r.leaf->fingerprint_sha256},
                             {"subject", r.leaf->subject},
                             {"issuer", r.leaf->issuer}};
      w.Add(std::span<const Label>(JoinLabels(facts, key.labels())), 1);
    });
  }
  {
    FamilyWriter w(sink, "certwatch_tls_cert_weak",
                   "1 for each reason TLS clients refuse a certificate the server sends (leaf "
                   "or intermediate): rsa_key_too_small, ec_key_too_small, sha1_signature, "
                   "md5_signature; absent while none applies.");
    each([&](const TlsProbeResult& r) {
      if (!r.leaf) return;  // no certificate seen: nothing to judge
      const Label id[] = {{"target", r.target}, {"server_name", r.server_name}};
      AddWeakSeries(w, id, r.weak, ctx);
    });
  }
  {
    FamilyWriter w(sink, "certwatch_tls_client_cert_not_after_timestamp_seconds",
                   "notAfter of the client certificate certwatch presents to the target "
                   "(client_cert_file), unix seconds.");
    each([&](const TlsProbeResult& r) {
      if (!r.client_cert_not_after) return;
      w.Add({{"target", r.target}, {"server_name", r.server_name}, {"path", r.client_cert_file}},
            static_cast<double>(*r.client_cert_not_after));
    });
  }
  {
    FamilyWriter w(sink, "certwatch_tls_ocsp_stapled_status",
                   "1 for the certificate status in the stapled OCSP response, when one is "
                   "stapled.");
    each([&](const TlsProbeResult& r) {
      if (r.ocsp_status.empty()) return;
      for (std::string_view s : {"good", "revoked", "unknown"}) {
        w.Add({{"target", r.target}, {"server_name", r.server_name}, {"status", s}},
              s == r.ocsp_status ? 1 : 0);
      }
    });
  }
  std::map<std::tuple<std::string_view, std::string_view, std::string_view>, Drift> drift;
  each([&](const TlsProbeResult& r) {
    if (!r.matches_stored) return;
    auto [ns, name] = SplitObjectKey(r.certificate.empty() ? r.secret : r.certificate);
    Drift& d = drift[{ns, name, r.target}];
    if (*r.matches_stored) return;
    d.matches = false;
    if (r.mismatch_since > 0) {
      double v = ctx.now - static_cast<double>(r.mismatch_since);
      if (v > d.mismatch_seconds) d.mismatch_seconds = v;
    }
  });
  {
    FamilyWriter w(sink, "certwatch_tls_served_matches_secret",
                   "1 if the endpoint serves the certificate that the linked Secret (or the "
                   "Certificate's status) holds.");
    for (const auto& [k, d] : drift) {
      w.Add({{"namespace", std::get<0>(k)},
             {"certificate", std::get<1>(k)},
             {"target", std::get<2>(k)}},
            d.matches ? 1 : 0);
    }
  }
  {
    FamilyWriter w(sink, "certwatch_tls_served_mismatch_seconds",
                   "How long the endpoint has served another certificate than the stored one "
                   "(0 while they match).");
    for (const auto& [k, d] : drift) {
      w.Add({{"namespace", std::get<0>(k)},
             {"certificate", std::get<1>(k)},
             {"target", std::get<2>(k)}},
            d.matches ? 0 : d.mismatch_seconds);
    }
  }
}

}  // namespace certwatch
