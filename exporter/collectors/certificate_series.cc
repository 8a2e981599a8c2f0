#include "exporter/collectors/certificate_series.h"

#include <cstring>
#include <stdexcept>
#include <string_view>

#include "exporter/kube/classify.h"
#include "exposition/text_writer.h"

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

constexpr auto kGauge = prometheus::MetricType::Gauge;

// A timestamp family's sample: the certificate's base labels, while the time is known.
void AddTime(FamilyWriter& w, const CertificateState& c, const std::optional<UnixSeconds>& t) {
  if (t) w.Add(CertLabels(c).base(), static_cast<double>(*t));
}

// metrics.sparse (the default): issuing, failed attempts, rate-limited and failure reason
// carry a certificate only while its value is not the healthy default, so a healthy
// certificate costs what it does in cert-manager (7 series). A family without series prints
// nothing, as in client_golang.
const std::array<CertificateFamily, kCertificateFamilies> kFamilies = {{
    {"certwatch_certificate_expiration_timestamp_seconds",
     "The date after which the certificate expires (status.notAfter), unix seconds.", kGauge,
     OmType::kFromType,
     [](FamilyWriter& w, const CertificateState& c, bool) { AddTime(w, c, c.not_after); }},
    {"certwatch_certificate_not_before_timestamp_seconds",
     "The date before which the certificate is not valid (status.notBefore), unix seconds.", kGauge,
     OmType::kFromType,
     [](FamilyWriter& w, const CertificateState& c, bool) { AddTime(w, c, c.not_before); }},
    {"certwatch_certificate_renewal_timestamp_seconds",
     "The time cert-manager will renew the certificate (status.renewalTime), unix seconds.", kGauge,
     OmType::kFromType,
     [](FamilyWriter& w, const CertificateState& c, bool) { AddTime(w, c, c.renewal_time); }},
    {"certwatch_certificate_ready_status",
     "The Ready condition of the certificate: one series per condition status, the current "
     "one is 1 (Unknown when there is no Ready condition).",
     kGauge, OmType::kFromType,
     [](FamilyWriter& w, const CertificateState& c, bool) {
       std::string_view cur = "Unknown";
       if (c.ready.status == "True" || c.ready.status == "False") cur = c.ready.status;
       CertLabels l(c);
       for (const char* cond : {"True", "False", "Unknown"}) {
         w.Add(l.with("condition", cond), cur == cond ? 1 : 0);
       }
     }},
    {"certwatch_certificate_issuing_status", "1 while the certificate's Issuing condition is True.",
     kGauge, OmType::kFromType,
     [](FamilyWriter& w, const CertificateState& c, bool all) {
       const bool issuing = c.issuing.status == "True";
       if (issuing || all) w.Add(CertLabels(c).base(), issuing ? 1 : 0);
     }},
    {"certwatch_certificate_issuing_since_timestamp_seconds",
     "When the Issuing condition became True (absent when not issuing), unix seconds.", kGauge,
     OmType::kFromType,
     [](FamilyWriter& w, const CertificateState& c, bool) {
       if (c.issuing.status == "True" && c.issuing.last_transition > 0) {
         w.Add(CertLabels(c).base(), static_cast<double>(c.issuing.last_transition));
       }
     }},
    {"certwatch_certificate_failed_issuance_attempts",
     "Consecutive failed issuance attempts (status.failedIssuanceAttempts).", kGauge,
     OmType::kFromType,
     [](FamilyWriter& w, const CertificateState& c, bool all) {
       if (c.failed_issuance_attempts != 0 || all) {
         w.Add(CertLabels(c).base(), c.failed_issuance_attempts);
       }
     }},
    {"certwatch_certificate_last_failure_timestamp_seconds",
     "The last issuance failure (status.lastFailureTime), unix seconds.", kGauge, OmType::kFromType,
     [](FamilyWriter& w, const CertificateState& c, bool) { AddTime(w, c, c.last_failure_time); }},
    {"certwatch_certificate_next_retry_timestamp_seconds",
     "When cert-manager retries issuance after the last failure (1h doubling to 32h from "
     "lastFailureTime), unix seconds.",
     kGauge, OmType::kFromType,
     [](FamilyWriter& w, const CertificateState& c, bool) { AddTime(w, c, NextRetryTime(c)); }},
    {"certwatch_certificate_acme_rate_limited",
     "1 while the latest issuance failure of the certificate is an ACME rate limit (429 / "
     "urn:ietf:params:acme:error:rateLimited).",
     kGauge, OmType::kFromType,
     [](FamilyWriter& w, const CertificateState& c, bool all) {
       if (c.acme_rate_limited || all) w.Add(CertLabels(c).base(), c.acme_rate_limited ? 1 : 0);
     }},
    {"certwatch_certificate_failure_reason",
     "1 for the current failure classification of the certificate (none when healthy).", kGauge,
     OmType::kFromType,
     [](FamilyWriter& w, const CertificateState& c, bool all) {
       if (c.failure == FailureReason::kNone && !all) return;
       CertLabels l(c);
       w.Add(l.with("reason", ToString(c.failure)), 1);
     }},
    {"certwatch_certificate_info",
     "Certificate facts as labels: the Secret it is stored in and its DNS names.", kGauge,
     OmType::kInfo,
     [](FamilyWriter& w, const CertificateState& c, bool) {
       thread_local std::string dns;
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
     }},
}};

// splitmix64's finaliser: every input bit reaches every output bit.
uint64_t Mix(uint64_t h, uint64_t v) {
  uint64_t z = h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The per-certificate change detector runs over every certificate at every scrape, so it is
// a cheap streaming hash: a multiply and a shift per 8 bytes (each step a bijection, so a
// change in one word always changes its lane), over four independent lanes so the steps of
// one certificate overlap in the CPU instead of waiting on each other; Finish mixes them.
class Hasher {
 public:
  void U64(uint64_t v) {
    uint64_t& h = lanes_[next_++ & 3];
    h = (h ^ v) * 0x9fb21c651e98df25ULL;
    h ^= h >> 29;
  }
  void Str(std::string_view s) {
    U64(s.size());
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      U64(w);
    }
    if (i < s.size()) {
      uint64_t w = 0;
      std::memcpy(&w, s.data() + i, s.size() - i);
      U64(w);
    }
  }
  void Opt(const std::optional<UnixSeconds>& t) {
    U64(t.has_value());
    U64(t ? static_cast<uint64_t>(*t) : 0);
  }
  uint64_t Finish() const {
    uint64_t h = 0;
    for (uint64_t lane : lanes_) h = Mix(h, lane);
    return h;
  }

 private:
  std::array<uint64_t, 4> lanes_ = {0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL,
                                    0xa4093822299f31d0ULL, 0x082efa98ec4e6c89ULL};
  unsigned next_ = 0;
};

}  // namespace

const std::array<CertificateFamily, kCertificateFamilies>& CertificateFamilies() {
  return kFamilies;
}

uint64_t SeriesInputsHash(const CertificateState& c) {
  Hasher h;
  h.Str(c.ns);
  h.Str(c.name);
  h.Str(c.issuer.name);
  h.Str(c.issuer.kind);
  h.Str(c.issuer.group);
  h.Str(c.secret_name);
  h.U64(c.dns_names.size());
  for (const auto& n : c.dns_names) h.Str(n);
  h.Opt(c.not_before);
  h.Opt(c.not_after);
  h.Opt(c.renewal_time);
  h.Str(c.ready.status);
  h.Str(c.issuing.status);
  h.U64(static_cast<uint64_t>(c.issuing.last_transition));
  h.U64(static_cast<uint64_t>(c.failed_issuance_attempts));
  h.Opt(c.last_failure_time);
  h.U64(c.acme_rate_limited);
  h.U64(static_cast<uint64_t>(c.failure));
  return h.Finish();
}

void CertificateSeriesCache::Refresh(const std::map<std::string, CertificateState>& certs) {
  using It = std::map<std::string, CertificateState>::const_iterator;
  struct Pass {
    It begin;
    size_t count = 0;
    uint64_t hash = 0;
  };
  if (blocks_.empty()) blocks_.emplace_back();  // one block takes everything, then splits
  std::vector<Pass> pass(blocks_.size());
  size_t j = 0;
  for (It it = certs.begin(); it != certs.end(); ++it) {
    while (j + 1 < blocks_.size() && it->first >= blocks_[j + 1].first_key) ++j;
    Pass& p = pass[j];
    if (p.count++ == 0) p.begin = it;
    p.hash = Mix(p.hash, SeriesInputsHash(it->second));
  }

  last_rendered_ = 0;
  std::vector<Block> next;
  next.reserve(blocks_.size());
  for (size_t b = 0; b < blocks_.size(); ++b) {
    const Pass& p = pass[b];
    if (p.count == 0) continue;  // emptied: its keys' neighbours take any new ones
    if (p.count == blocks_[b].count && p.hash == blocks_[b].hash) {
      next.push_back(std::move(blocks_[b]));
      continue;
    }
    // Changed: render again, cut into pieces of kBlock once it grew past twice that.
    It it = p.begin;
    size_t left = p.count;
    while (left > 0) {
      const size_t n = left > 2 * kBlock ? kBlock : left;
      Block block;
      block.first_key = it->first;
      block.count = n;
      const It begin = it;
      for (size_t i = 0; i < n; ++i, ++it)
        block.hash = Mix(block.hash, SeriesInputsHash(it->second));
      for (size_t f = 0; f < kCertificateFamilies; ++f) {
        const CertificateFamily& fam = kFamilies[f];
        TextWriter text(format_);
        text.set_headers(false);
        {
          FamilyWriter w(text, fam.name, fam.help, fam.type, fam.om);
          It c = begin;
          for (size_t i = 0; i < n; ++i, ++c) fam.add(w, c->second, all_);
        }
        if (text.text().empty()) continue;
        auto seg = CompressSegment(text.text());
        if (!seg)
          throw std::runtime_error("compressing certificate series: " + seg.error().message);
        block.segments[f] = std::make_shared<const Segment>(std::move(*seg));
      }
      next.push_back(std::move(block));
      ++last_rendered_;
      left -= n;
    }
  }
  blocks_ = std::move(next);
}

void CertificateSeriesCache::Write(const std::map<std::string, CertificateState>& certs,
                                   ExpositionFormat format, bool all, uint64_t generation,
                                   MetricSink& sink) {
  if (format != format_ || all != all_) {
    blocks_.clear();
    format_ = format;
    all_ = all;
    generation_ = 0;
  }
  if (generation == 0 || generation != generation_ || blocks_.empty()) {
    generation_ = 0;
    try {
      Refresh(certs);
    } catch (...) {
      blocks_.clear();  // half-moved blocks must not look up to date next time
      throw;
    }
    generation_ = generation;
  } else {
    last_rendered_ = 0;
  }
  for (size_t f = 0; f < kCertificateFamilies; ++f) {
    const CertificateFamily& fam = kFamilies[f];
    bool begun = false;
    for (const Block& b : blocks_) {
      if (!b.segments[f]) continue;
      if (!begun) sink.BeginFamily(fam.name, fam.help, fam.type, fam.om);
      begun = true;
      sink.AddSegment(b.segments[f]);
    }
  }
}

}  // namespace certwatch
