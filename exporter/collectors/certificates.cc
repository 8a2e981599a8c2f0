// Collector "certificates": cert-manager Certificates as the Kubernetes source joined and
// classified them, with cert-manager's own labels so its users' queries port by a prefix
// change; plus TLS Secrets (secrets: true) and the API server clock skew.
#include <array>
#include <string>

#include "exporter/collector.h"
#include "exporter/kube/classify.h"

namespace certwatch {

namespace {

// namespace, name, issuer_name, issuer_kind, issuer_group (+ one extra label).
struct CertLabels {
  std::array<Label, 6> l;
  explicit CertLabels(const CertificateState& c)
      : l{{{"namespace", c.ns},
           {"name", c.name},
           {"issuer_name", c.issuer.name},
           {"issuer_kind", c.issuer.kind},
           {"issuer_group", c.issuer.group},
           {"", ""}}} {}
  std::span<const Label> base() const { return {l.data(), 5}; }
  std::span<const Label> with(std::string_view k, std::string_view v) {
    l[5] = {k, v};
    return {l.data(), 6};
  }
};

template <typename F>
void PerCert(const StateData& s, MetricSink& sink, const char* name, const char* help, F&& f,
             prometheus::MetricType type = prometheus::MetricType::Gauge) {
  FamilyWriter w(sink, name, help, type);
  for (const auto& [key, c] : s.certificates) f(w, c);
}

}  // namespace

void CollectCertificates(const StateData& s, const CollectContext& ctx, MetricSink& sink) {
  // metrics.sparse (the default): these four families carry a certificate only while its
  // value is not the healthy default, so a healthy certificate costs what it does in
  // cert-manager (7 series). A family without series prints nothing, as in client_golang.
  const bool all = ctx.config != nullptr && !ctx.config->metrics.sparse;
  PerCert(s, sink, "certwatch_certificate_expiration_timestamp_seconds",
          "The date after which the certificate expires (status.notAfter), unix seconds.",
          [](FamilyWriter& w, const CertificateState& c) {
            if (c.not_after) w.Add(CertLabels(c).base(), static_cast<double>(*c.not_after));
          });
  PerCert(s, sink, "certwatch_certificate_not_before_timestamp_seconds",
          "The date before which the certificate is not valid (status.notBefore), unix seconds.",
          [](FamilyWriter& w, const CertificateState& c) {
            if (c.not_before) w.Add(CertLabels(c).base(), static_cast<double>(*c.not_before));
          });
  PerCert(s, sink, "certwatch_certificate_renewal_timestamp_seconds",
          "The time cert-manager will renew the certificate (status.renewalTime), unix seconds.",
          [](FamilyWriter& w, const CertificateState& c) {
            if (c.renewal_time) w.Add(CertLabels(c).base(), static_cast<double>(*c.renewal_time));
          });
  PerCert(s, sink, "certwatch_certificate_ready_status",
          "The Ready condition of the certificate: one series per condition status, the current "
          "one is 1 (Unknown when there is no Ready condition).",
          [](FamilyWriter& w, const CertificateState& c) {
            const std::string& cur = c.ready.status == "True" || c.ready.status == "False"
                                         ? c.ready.status
                                         : std::string("Unknown");
            CertLabels l(c);
            for (const char* cond : {"True", "False", "Unknown"}) {
              w.Add(l.with("condition", cond), cur == cond ? 1 : 0);
            }
          });
  PerCert(s, sink, "certwatch_certificate_issuing_status",
          "1 while the certificate's Issuing condition is True.",
          [all](FamilyWriter& w, const CertificateState& c) {
            const bool issuing = c.issuing.status == "True";
            if (issuing || all) w.Add(CertLabels(c).base(), issuing ? 1 : 0);
          });
  PerCert(s, sink, "certwatch_certificate_issuing_since_timestamp_seconds",
          "When the Issuing condition became True (absent when not issuing), unix seconds.",
          [](FamilyWriter& w, const CertificateState& c) {
            if (c.issuing.status == "True" && c.issuing.last_transition > 0) {
              w.Add(CertLabels(c).base(), static_cast<double>(c.issuing.last_transition));
            }
          });
  PerCert(s, sink, "certwatch_certificate_failed_issuance_attempts",
          "Consecutive failed issuance attempts (status.failedIssuanceAttempts).",
          [all](FamilyWriter& w, const CertificateState& c) {
            if (c.failed_issuance_attempts != 0 || all) {
              w.Add(CertLabels(c).base(), c.failed_issuance_attempts);
            }
          });
  PerCert(s, sink, "certwatch_certificate_last_failure_timestamp_seconds",
          "The last issuance failure (status.lastFailureTime), unix seconds.",
          [](FamilyWriter& w, const CertificateState& c) {
            if (c.last_failure_time) {
              w.Add(CertLabels(c).base(), static_cast<double>(*c.last_failure_time));
            }
          });
  PerCert(s, sink, "certwatch_certificate_next_retry_timestamp_seconds",
          "When cert-manager retries issuance after the last failure (1h doubling to 32h from "
          "lastFailureTime), unix seconds.",
          [](FamilyWriter& w, const CertificateState& c) {
            if (auto t = NextRetryTime(c)) w.Add(CertLabels(c).base(), static_cast<double>(*t));
          });
  PerCert(s, sink, "certwatch_certificate_acme_rate_limited",
          "1 while the latest issuance failure of the certificate is an ACME rate limit (429 / "
          "urn:ietf:params:acme:error:rateLimited).",
          [all](FamilyWriter& w, const CertificateState& c) {
            if (c.acme_rate_limited || all)
              w.Add(CertLabels(c).base(), c.acme_rate_limited ? 1 : 0);
          });
  PerCert(s, sink, "certwatch_certificate_failure_reason",
          "1 for the current failure classification of the certificate (none when healthy).",
          [all](FamilyWriter& w, const CertificateState& c) {
            if (c.failure == FailureReason::kNone && !all) return;
            CertLabels l(c);
            w.Add(l.with("reason", ToString(c.failure)), 1);
          });
  {
    FamilyWriter w(sink, "certwatch_certificate_info",
                   "Certificate facts as labels: the Secret it is stored in and its DNS names.",
                   prometheus::MetricType::Gauge, OmType::kInfo);
    std::string dns;
    for (const auto& [key, c] : s.certificates) {
      dns.clear();
      for (const auto& n : c.dns_names) {
        if (!dns.empty()) dns += ',';
        dns += n;
      }
      CertLabels l(c);
      std::array<Label, 7> labels;
      std::copy(l.l.begin(), l.l.begin() + 5, labels.begin());
      labels[5] = {"secret_name", c.secret_name};
      labels[6] = {"dns_names", dns};
      w.Add(std::span<const Label>(labels), 1);
    }
  }
  {
    FamilyWriter w(sink, "certwatch_secret_cert_not_after_timestamp_seconds",
                   "notAfter of the leaf certificate in a kubernetes.io/tls Secret, unix seconds.");
    for (const auto& [key, sc] : s.secrets) {
      if (sc.error.empty()) {
        w.Add({{"namespace", sc.ns}, {"secret", sc.name}}, static_cast<double>(sc.facts.not_after));
      }
    }
  }
  {
    FamilyWriter w(sink, "certwatch_secret_cert_info",
                   "Facts of the leaf certificate in a kubernetes.io/tls Secret; always 1.",
                   prometheus::MetricType::Gauge, OmType::kInfo);
    for (const auto& [key, sc] : s.secrets) {
      if (!sc.error.empty()) continue;
      KeyFactLabels kf(sc.facts);
      const Label facts[] = {
          {"namespace", sc.ns},          {"secret", sc.name},
          {"subject", sc.facts.subject}, {"issuer", sc.facts.issuer},
          {"serial", sc.facts.serial},   {"fingerprint_sha256", sc.facts.fingerprint_sha256}};
      w.Add(std::span<const Label>(JoinLabels(facts, kf.labels())), 1);
    }
  }
  {
    FamilyWriter w(sink, "certwatch_secret_cert_weak",
                   "1 for each reason TLS clients refuse a certificate in a kubernetes.io/tls "
                   "Secret's tls.crt (leaf or intermediate); absent while none applies.");
    for (const auto& [key, sc] : s.secrets) {
      if (!sc.error.empty()) continue;
      const Label id[] = {{"namespace", sc.ns}, {"secret", sc.name}};
      AddWeakSeries(w, id, sc.weak, ctx);
    }
  }
  {
    FamilyWriter w(sink, "certwatch_clock_skew_seconds",
                   "Local clock minus the reference clock (the API server's Date header), "
                   "seconds.");
    if (s.clock_skew_seconds) {
      w.Add({{"reference", "kubernetes-apiserver"}}, *s.clock_skew_seconds);
    }
  }
}

}  // namespace certwatch
