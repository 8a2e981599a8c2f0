// Collector "crls": the CRLs the revocation source reads (freshness, fetch and signature
// status) and the revocation verdict they give the served TLS leaves and the TLS Secrets
// (revocation/verdict.h: only a fresh CRL whose signature verified says anything).
#include <array>
#include <string_view>

#include "exporter/collector.h"
#include "revocation/verdict.h"

namespace certwatch {

void CollectCrls(const StateData& state, const CollectContext& ctx, MetricSink& sink) {
  const auto& crls = state.crls;
  const auto now = static_cast<UnixSeconds>(ctx.now);
  {
    FamilyWriter w(sink, "certwatch_crl_fetch_success",
                   "1 if the last read or fetch of the CRL returned a CRL that parses.");
    for (const auto& [source, c] : crls) w.Add({{"source", source}}, c.fetch_success ? 1 : 0);
  }
  {
    FamilyWriter w(sink, "certwatch_crl_fetch_failures_total",
                   "Reads or fetches of the CRL that failed (network, HTTP status, size bound, "
                   "parse).",
                   prometheus::MetricType::Counter);
    for (const auto& [source, c] : crls) {
      w.Add({{"source", source}}, static_cast<double>(c.fetch_failures_total));
    }
  }
  {
    FamilyWriter w(sink, "certwatch_crl_last_fetch_timestamp_seconds",
                   "Last read or fetch attempt of the CRL, unix seconds.");
    for (const auto& [source, c] : crls) {
      if (c.last_fetch > 0) w.Add({{"source", source}}, static_cast<double>(c.last_fetch));
    }
  }
  {
    FamilyWriter w(sink, "certwatch_crl_this_update_timestamp_seconds",
                   "thisUpdate of the CRL in use, unix seconds.");
    for (const auto& [source, c] : crls) {
      if (c.this_update) {
        w.Add({{"source", source}, {"issuer", c.issuer}}, static_cast<double>(*c.this_update));
      }
    }
  }
  {
    FamilyWriter w(sink, "certwatch_crl_next_update_timestamp_seconds",
                   "nextUpdate of the CRL in use, unix seconds; past it the CRL is stale and "
                   "gives no verdict.");
    for (const auto& [source, c] : crls) {
      if (c.next_update) {
        w.Add({{"source", source}, {"issuer", c.issuer}}, static_cast<double>(*c.next_update));
      }
    }
  }
  {
    FamilyWriter w(sink, "certwatch_crl_revoked_certificates",
                   "Serial numbers the CRL in use lists.");
    for (const auto& [source, c] : crls) {
      if (c.revoked) {
        w.Add({{"source", source}, {"issuer", c.issuer}}, static_cast<double>(c.revoked->size()));
      }
    }
  }
  {
    FamilyWriter w(sink, "certwatch_crl_signature_verified",
                   "1 for the current signature status of the CRL in use (ok: it verifies with a "
                   "held certificate of its issuer; issuer_not_found; bad_signature). Only an ok "
                   "CRL is used.");
    constexpr std::array<std::string_view, 3> kStatuses = {"ok", "issuer_not_found",
                                                           "bad_signature"};
    for (const auto& [source, c] : crls) {
      if (c.verify_status.empty()) continue;
      for (std::string_view s : kStatuses) {
        w.Add({{"source", source}, {"reason", s}}, s == c.verify_status ? 1 : 0);
      }
    }
  }
  {
    FamilyWriter w(sink, "certwatch_crl_verify_failures_total",
                   "CRLs read whose signature did not verify with a held certificate of their "
                   "issuer (not used).",
                   prometheus::MetricType::Counter);
    for (const auto& [source, c] : crls) {
      w.Add({{"source", source}}, static_cast<double>(c.verify_failures_total));
    }
  }
  {
    FamilyWriter w(sink, "certwatch_tls_cert_revoked",
                   "1 if a fresh CRL of the served leaf's issuer lists it, 0 if fresh CRLs of "
                   "that issuer do not; absent without a fresh CRL.");
    if (!crls.empty()) {
      for (const auto& [key, r] : state.tls) {
        if (!r.leaf) continue;
        if (auto revoked = RevokedByCrl(state, *r.leaf, now)) {
          w.Add({{"target", r.target}, {"server_name", r.server_name}}, *revoked ? 1 : 0);
        }
      }
    }
  }
  {
    FamilyWriter w(sink, "certwatch_secret_cert_revoked",
                   "1 if a fresh CRL of the issuer of the TLS Secret's certificate lists it, 0 "
                   "if fresh CRLs of that issuer do not; absent without a fresh CRL.");
    if (!crls.empty()) {
      for (const auto& [key, s] : state.secrets) {
        if (!s.error.empty()) continue;
        if (auto revoked = RevokedByCrl(state, s.facts, now)) {
          w.Add({{"namespace", s.ns}, {"secret", s.name}}, *revoked ? 1 : 0);
        }
      }
    }
  }
}

}  // namespace certwatch
