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

// The per-certificate change detector runs over every certificate at every scrape after the
// certificates changed (the Kubernetes source's classification writes them every 30 s), so it is
// a cheap streaming hash: a multiply and a shift per 8 bytes (each step a bijection, so a
// change in one word always changes its lane), over four independent lanes so the steps of
// one certificate overlap in the CPU instead of waiting on each other; Finish mixes them.
class Hasher {
 public:
  // The lanes rotate by value (a <- b <- c <- d <- new a), not by an index, so that once
  // inlined they stay in registers: an indexed array went through the stack at every step.
  void U64(uint64_t v) {
    uint64_t h = (a_ ^ v) * 0x9fb21c651e98df25ULL;
    h ^= h >> 29;
    a_ = b_;
    b_ = c_;
    c_ = d_;
    d_ = h;
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
  void Sym(const Symbol& s) { U64(s.id()); }  // interned: equal ids, equal values
  void Opt(const std::optional<UnixSeconds>& t) {
    U64(t.has_value());
    U64(t ? static_cast<uint64_t>(*t) : 0);
  }
  uint64_t Finish() const { return Mix(Mix(Mix(Mix(0, a_), b_), c_), d_); }

 private:
  uint64_t a_ = 0x243f6a8885a308d3ULL, b_ = 0x13198a2e03707344ULL, c_ = 0xa4093822299f31d0ULL,
           d_ = 0x082efa98ec4e6c89ULL;
};

// The lines of a certificate the hash reads.
void Prefetch(const CertificateState& c) {
  const char* p = reinterpret_cast<const char*>(&c);
  for (size_t off = 0; off < sizeof(CertificateState); off += 64) __builtin_prefetch(p + off);
}

}  // namespace

const std::array<CertificateFamily, kCertificateFamilies>& CertificateFamilies() {
  return kFamilies;
}

uint64_t SeriesInputsHash(const CertificateState& c) {
  Hasher h;
  h.Sym(c.ns);
  h.Str(c.name);
  h.Sym(c.issuer.name);
  h.Sym(c.issuer.kind);
  h.Sym(c.issuer.group);
  h.Str(c.secret_name);
  h.U64(c.dns_names.size());
  for (const auto& n : c.dns_names) h.Str(n);
  h.Opt(c.not_before);
  h.Opt(c.not_after);
  h.Opt(c.renewal_time);
  h.Sym(c.ready.status);
  h.Sym(c.issuing.status);
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
  // A block ends where the next one's first key would be: one lookup per block instead of a
  // key comparison per certificate.
  It it = certs.begin();
  for (size_t j = 0; j < blocks_.size(); ++j) {
    const It end =
        j + 1 < blocks_.size() ? certs.lower_bound(blocks_[j + 1].first_key) : certs.end();
    Pass& p = pass[j];
    p.begin = it;
    while (it != end) {
      // The pass is bound by cache misses on the certificates: ask for the next one's lines
      // while this one is hashed.
      const It next = std::next(it);
      if (next != certs.end()) Prefetch(next->second);
      ++p.count;
      p.hash = Mix(p.hash, SeriesInputsHash(it->second));
      it = next;
    }
  }

  last_hashed_ = certs.size();
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

void CertificateSeriesCache::Write(const VersionedMap<CertificateState>& certs,
                                   ExpositionFormat format, bool all, MetricSink& sink) {
  if (format != format_ || all != all_) {
    blocks_.clear();
    format_ = format;
    all_ = all;
    version_ = 0;
  }
  if (certs.version() != version_ || blocks_.empty()) {
    version_ = 0;
    try {
      Refresh(certs);
    } catch (...) {
      blocks_.clear();  // half-moved blocks must not look up to date next time
      throw;
    }
    version_ = certs.version();
  } else {
    last_hashed_ = 0;
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
