// The per-Certificate families of the "certificates" collector, as one table, and the cache
// that keeps their samples compressed between scrapes.
//
// Certificates change rarely and scrapes come every 15-60 s, so a scrape re-renders only the
// certificates whose series changed. The certificates (in key order) are cut into blocks of
// about kBlock; each block keeps, per family, a Segment with its sample lines and a hash of
// everything its samples are made of (SeriesInputsHash). A scrape after the certificates map
// changed (its VersionedMap version moved) hashes every certificate, renders the blocks whose
// hash or size changed, and hands the others' segments to the sink as they are; a scrape
// after writes elsewhere in the store hands them all on without looking. The output is byte
// for byte what rendering every sample would give.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "exporter/collector.h"
#include "exposition/format.h"
#include "exposition/segment.h"

namespace certwatch {

struct CertificateFamily {
  const char* name;
  const char* help;
  prometheus::MetricType type;
  OmType om;
  // Adds the certificate's samples (none when sparse and healthy). `all`: metrics.sparse off.
  void (*add)(FamilyWriter& w, const CertificateState& c, bool all);
};

inline constexpr size_t kCertificateFamilies = 12;
// In exposition order.
const std::array<CertificateFamily, kCertificateFamilies>& CertificateFamilies();

// A hash of every field the families above read. A field a family starts to read must be
// added here (certificate_series_test changes each one and compares with a fresh render).
uint64_t SeriesInputsHash(const CertificateState& c);

class CertificateSeriesCache final : public CollectorCache {
 public:
  static constexpr size_t kBlock = 128;

  // Brings the blocks up to date with `certs` and writes every family to `sink`, which must
  // take segments in `format`. Throws std::runtime_error when compression fails. While
  // `certs.version()` is the last Write's, nothing in it changed and the change detection is
  // skipped.
  void Write(const VersionedMap<CertificateState>& certs, ExpositionFormat format, bool all,
             MetricSink& sink);

  // For tests and benchmarks: certificates hashed and blocks rendered by the last Write, and
  // blocks now held.
  size_t last_hashed() const { return last_hashed_; }
  size_t last_rendered() const { return last_rendered_; }
  size_t blocks() const { return blocks_.size(); }

 private:
  struct Block {
    std::string first_key;  // the lowest key it holds; block 0 also takes any key below
    uint64_t hash = 0;
    size_t count = 0;
    std::array<std::shared_ptr<const Segment>, kCertificateFamilies> segments;
  };
  void Refresh(const std::map<std::string, CertificateState>& certs);

  std::vector<Block> blocks_;
  ExpositionFormat format_ = ExpositionFormat::kText;
  bool all_ = false;
  uint64_t version_ = 0;  // of the map the blocks were last brought up to date with; 0: none
  size_t last_hashed_ = 0;
  size_t last_rendered_ = 0;
};

}  // namespace certwatch
