// bench_load_scrapers: N concurrent Prometheus-like scrapers against a running
// `certwatch serve` (started by bench/load.sh, which also sets up the certificates and TLS
// targets). Each scraper keeps one connection (libcurl easy handle, keep-alive, as Prometheus
// does) and scrapes /metrics over and over until the deadline; most scrapes ask for gzip
// (Prometheus' way), every --plain-every'th is plain text. Every exposition is checked:
//
//   complete    HTTP 200, body length = Content-Length, gzip stream ends cleanly, body ends
//               with a newline, every line parses, each family has one TYPE and its samples
//               follow it, every family the exporter documents for certificates and TLS
//               probes is present, certwatch_scrape_duration_seconds is the last sample.
//   consistent  every certificate is in every per-certificate family (one series each, or the
//               same number each for one-hot families like ready_status whose values sum to
//               one per certificate); a certificate's dates agree with each other (notAfter -
//               renewalTime and notAfter - notBefore are what the run set up: the driver
//               renews certificates during the run by moving all three together, so a
//               half-updated object shows); the same for TLS targets; the number of
//               certificates and of TLS targets is what the run set up.
//
// Set membership is compared through order-independent sums of 64-bit label-set hashes plus
// counts, so 50 scrapers each checking 100,000 certificates need no per-scrape sets. A gzip
// body byte-identical to one already checked (one shared collection sent to several
// scrapers) takes that body's verdict after a full byte comparison.
//
//   bench_load_scrapers --url http://127.0.0.1:9480/metrics --scrapers 50 --duration 120
//       --certificates 100000 --tls-targets 10000 [--failing 1000] [--renewal-before 2592000]
//       [--validity 7776000] [--plain-every 10] [--timeout 120] [--max-scrapes N] [--no-keepalive]
//   bench_load_scrapers --self-check --url ... (same expectations): one real exposition must
//       pass and each kind of damage (a series missing, a date from another version, a
//       duplicate, a renamed object, a cut body) must be caught
//
// Prints a summary and, last, one JSON line for the driver. Exit 1 when a scrape that was
// answered with 200 was incomplete or inconsistent (a correctness fault, not slowness).
#include <curl/curl.h>
#include <sys/resource.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "common/handles.h"

namespace certwatch {
namespace {

using Steady = std::chrono::steady_clock;

// ------------------------------------------------------------------------- options

struct Options {
  std::string url;
  int scrapers = 50;
  double duration_s = 60;
  long timeout_ms = 120'000;
  int plain_every = 10;  // every n-th scrape of a scraper is plain text; 0 = never
  int max_scrapes = 0;   // per scraper; 0 = until the deadline
  bool self_check = false;
  bool keepalive = true;  // one connection per scraper, as Prometheus keeps it
  long certificates = -1;
  long tls_targets = -1;
  long failing = -1;           // certificates with a failed issuance (subset families)
  double renewal_before = -1;  // notAfter - renewalTime of every certificate, seconds
  double validity = -1;        // notAfter - notBefore of every certificate, seconds
};

bool ParseOptions(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--self-check") {
      o.self_check = true;
      continue;
    }
    if (a == "--no-keepalive") {
      o.keepalive = false;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "%s: missing value\n", argv[i]);
      return false;
    }
    const char* v = argv[++i];
    if (a == "--url") {
      o.url = v;
    } else if (a == "--scrapers") {
      o.scrapers = std::atoi(v);
    } else if (a == "--duration") {
      o.duration_s = std::atof(v);
    } else if (a == "--timeout") {
      o.timeout_ms = static_cast<long>(std::atof(v) * 1000);
    } else if (a == "--plain-every") {
      o.plain_every = std::atoi(v);
    } else if (a == "--max-scrapes") {
      o.max_scrapes = std::atoi(v);
    } else if (a == "--certificates") {
      o.certificates = std::atol(v);
    } else if (a == "--tls-targets") {
      o.tls_targets = std::atol(v);
    } else if (a == "--failing") {
      o.failing = std::atol(v);
    } else if (a == "--renewal-before") {
      o.renewal_before = std::atof(v);
    } else if (a == "--validity") {
      o.validity = std::atof(v);
    } else {
      std::fprintf(stderr, "unknown option %s\n", argv[i - 1]);
      return false;
    }
  }
  return o.scrapers > 0 && o.duration_s > 0 && o.timeout_ms > 0;
}

// ------------------------------------------------------------------------- families checked

enum class Object { kCertificate, kTlsTarget, kGlobal };
enum class Presence {
  kEvery,   // one series (or, one-hot, the same number) for every object
  kSubset,  // only certificates with a failed issuance: the same set in each such family
  kLeaf,    // only TLS targets whose last probe got a leaf: the same set in each such family
  kPresent,  // global: at least one series
  kSparse    // metrics.sparse: only while not the healthy default, none in this run
};
enum Slot { kNoSlot = -1, kNotAfter = 0, kNotBefore = 1, kRenewal = 2 };

struct FamilySpec {
  std::string_view name;
  Object object;
  Presence presence;
  bool one_hot;  // per object: exactly one series is 1, the rest 0
  Slot slot;     // values kept for the per-certificate date invariants
};

// What exporter/METRICS.md documents for certificates and TLS probes, minus families this
// run cannot produce (secrets: false, no OCSP stapling, no target linked to a Certificate),
// plus the self-metrics that say the exposition is whole.
constexpr FamilySpec kFamilies[] = {
    {"certwatch_certificate_expiration_timestamp_seconds", Object::kCertificate, Presence::kEvery,
     false, kNotAfter},
    {"certwatch_certificate_not_before_timestamp_seconds", Object::kCertificate, Presence::kEvery,
     false, kNotBefore},
    {"certwatch_certificate_renewal_timestamp_seconds", Object::kCertificate, Presence::kEvery,
     false, kRenewal},
    {"certwatch_certificate_ready_status", Object::kCertificate, Presence::kEvery, true, kNoSlot},
    // metrics.sparse (the default): issuing and failed attempts only for the certificates
    // with a failed issuance; no rate limit and no named failure in this run.
    {"certwatch_certificate_issuing_status", Object::kCertificate, Presence::kSubset, false,
     kNoSlot},
    {"certwatch_certificate_failed_issuance_attempts", Object::kCertificate, Presence::kSubset,
     false, kNoSlot},
    {"certwatch_certificate_acme_rate_limited", Object::kCertificate, Presence::kSparse, false,
     kNoSlot},
    {"certwatch_certificate_failure_reason", Object::kCertificate, Presence::kSparse, true,
     kNoSlot},
    {"certwatch_certificate_info", Object::kCertificate, Presence::kEvery, false, kNoSlot},
    {"certwatch_certificate_issuing_since_timestamp_seconds", Object::kCertificate,
     Presence::kSubset, false, kNoSlot},
    {"certwatch_certificate_last_failure_timestamp_seconds", Object::kCertificate,
     Presence::kSubset, false, kNoSlot},
    {"certwatch_certificate_next_retry_timestamp_seconds", Object::kCertificate, Presence::kSubset,
     false, kNoSlot},
    {"certwatch_tls_probe_success", Object::kTlsTarget, Presence::kEvery, false, kNoSlot},
    {"certwatch_tls_probe_duration_seconds", Object::kTlsTarget, Presence::kEvery, false, kNoSlot},
    {"certwatch_tls_cert_verified", Object::kTlsTarget, Presence::kEvery, false, kNoSlot},
    {"certwatch_tls_verify_result", Object::kTlsTarget, Presence::kEvery, true, kNoSlot},
    {"certwatch_tls_cert_not_after_timestamp_seconds", Object::kTlsTarget, Presence::kLeaf, false,
     kNoSlot},
    {"certwatch_tls_cert_not_before_timestamp_seconds", Object::kTlsTarget, Presence::kLeaf, false,
     kNoSlot},
    {"certwatch_tls_chain_earliest_not_after_timestamp_seconds", Object::kTlsTarget,
     Presence::kLeaf, false, kNoSlot},
    {"certwatch_tls_info", Object::kTlsTarget, Presence::kLeaf, false, kNoSlot},
    {"certwatch_source_up", Object::kGlobal, Presence::kPresent, false, kNoSlot},
    {"certwatch_build_info", Object::kGlobal, Presence::kPresent, false, kNoSlot},
    {"certwatch_scrape_duration_seconds", Object::kGlobal, Presence::kPresent, false, kNoSlot},
};
constexpr size_t kNumFamilies = std::size(kFamilies);
constexpr size_t kCertReference = 0;  // expiration: the set every other family is held to
constexpr size_t kTlsReference = 12;  // tls_probe_success
static_assert(kFamilies[kCertReference].slot == kNotAfter);
static_assert(kFamilies[kTlsReference].name == "certwatch_tls_probe_success");

// The labels that identify the object a series belongs to; the others (condition, reason,
// dns_names, fingerprint, ...) are facts about it.
constexpr std::string_view kCertKeyLabels[] = {"namespace", "name", "issuer_name", "issuer_kind",
                                               "issuer_group"};
constexpr std::string_view kTlsKeyLabels[] = {"target", "server_name"};

uint64_t Mix(uint64_t x) {  // splitmix64's finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t Fnv(std::string_view a, std::string_view b) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : a) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  h = (h ^ '=') * 0x100000001b3ULL;
  for (char c : b) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

// ------------------------------------------------------------------------- exposition checker

struct Tally {
  bool typed = false;
  uint64_t count = 0;
  uint64_t key_sum = 0;  // sum of Mix(object key): a multiset fingerprint
  uint64_t ones = 0;
  uint64_t zeros = 0;
  std::vector<uint64_t> keys;                      // reference, subset and leaf families
  std::vector<std::pair<uint64_t, double>> dated;  // families with a date slot
};

// Fed the exposition text in pieces of any size; checks it line by line without keeping it.
class ExpositionChecker {
 public:
  explicit ExpositionChecker(const Options& o) : opts_(o) {
    for (size_t i = 0; i < kNumFamilies; ++i) {
      const auto& f = kFamilies[i];
      if (f.presence == Presence::kSubset || f.presence == Presence::kLeaf || i == kTlsReference) {
        tallies_[i].keys.reserve(1024);
      }
    }
  }

  void Feed(std::string_view chunk) {
    bytes_ += chunk.size();
    if (!chunk.empty()) last_char_ = chunk.back();
    if (!carry_.empty()) {
      size_t nl = chunk.find('\n');
      if (nl == std::string_view::npos) {
        carry_.append(chunk);
        return;
      }
      carry_.append(chunk.substr(0, nl));
      Line(carry_);
      carry_.clear();
      chunk.remove_prefix(nl + 1);
    }
    while (!chunk.empty()) {
      const void* p = std::memchr(chunk.data(), '\n', chunk.size());
      if (p == nullptr) {
        carry_.assign(chunk);
        return;
      }
      size_t nl = static_cast<size_t>(static_cast<const char*>(p) - chunk.data());
      Line(chunk.substr(0, nl));
      chunk.remove_prefix(nl + 1);
    }
  }

  // Ends the exposition; fills the verdicts. `problems` gets the reasons, first few only.
  void Finish(bool& complete, bool& consistent, std::vector<std::string>& problems) {
    if (!carry_.empty() || last_char_ != '\n') Problem("body does not end with a newline");
    for (size_t i = 0; i < kNumFamilies; ++i) {
      const auto& f = kFamilies[i];
      if (f.presence == Presence::kSubset && opts_.failing == 0) continue;
      if (f.presence == Presence::kSparse) continue;
      if (!tallies_[i].typed || tallies_[i].count == 0) {
        Problem(std::string(f.name) + ": family missing");
      }
    }
    if (last_sample_family_ != "certwatch_scrape_duration_seconds") {
      Problem("last sample is " + last_sample_family_ + ", not certwatch_scrape_duration_seconds");
    }
    complete = problems_.empty();
    if (complete) CheckConsistency();
    consistent = complete && problems_.empty();
    problems = std::move(problems_);
  }

  uint64_t certificates() const { return certificates_; }
  uint64_t tls_targets() const { return tls_targets_; }
  uint64_t tls_leaves() const { return tls_leaves_; }
  uint64_t tls_success() const { return tls_success_; }
  uint64_t bytes() const { return bytes_; }
  double not_after_sum() const { return not_after_sum_; }
  double collect_seconds() const { return collect_seconds_; }

 private:
  void Problem(std::string p) {
    if (problems_.size() < 4) problems_.push_back(std::move(p));
  }

  static bool ParseValue(std::string_view s, double& v) {
    if (s == "+Inf" || s == "-Inf" || s == "NaN") {
      v = s == "NaN" ? std::nan("") : (s[0] == '-' ? -HUGE_VAL : HUGE_VAL);
      return true;
    }
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size();
  }

  int FamilyIndex(std::string_view name) {
    if (name == cached_name_) return cached_index_;
    cached_name_.assign(name);
    cached_index_ = -1;
    for (size_t i = 0; i < kNumFamilies; ++i) {
      if (kFamilies[i].name == name) cached_index_ = static_cast<int>(i);
    }
    return cached_index_;
  }

  void Line(std::string_view line) {
    ++lines_;
    if (line.empty()) return;
    if (line[0] == '#') return Comment(line);
    size_t name_end = line.find_first_of("{ ");
    if (name_end == std::string_view::npos || name_end == 0) {
      return Problem("line " + std::to_string(lines_) + ": no value");
    }
    std::string_view name = line.substr(0, name_end);
    // A sample belongs to the family whose TYPE came last (counters' _total is in the name).
    if (name != current_family_) {
      return Problem("line " + std::to_string(lines_) + ": sample of " + std::string(name) +
                     " outside its family (" + current_family_ + ")");
    }
    last_sample_family_.assign(name);
    const int fi = FamilyIndex(name);
    const Object object = fi >= 0 ? kFamilies[fi].object : Object::kGlobal;
    uint64_t key = 0;
    size_t pos = name_end;
    if (line[pos] == '{') {
      ++pos;
      while (pos < line.size() && line[pos] != '}') {
        size_t eq = line.find('=', pos);
        if (eq == std::string_view::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
          return Problem("line " + std::to_string(lines_) + ": bad label");
        }
        std::string_view lname = line.substr(pos, eq - pos);
        size_t v = eq + 2, e = v;
        while (e < line.size() && line[e] != '"') e += line[e] == '\\' ? 2 : 1;
        if (e >= line.size()) return Problem("line " + std::to_string(lines_) + ": open quote");
        std::string_view lvalue = line.substr(v, e - v);
        if (object != Object::kGlobal && IsKeyLabel(object, lname)) key += Mix(Fnv(lname, lvalue));
        pos = e + 1;
        if (pos < line.size() && line[pos] == ',') ++pos;
      }
      if (pos >= line.size()) return Problem("line " + std::to_string(lines_) + ": open brace");
      ++pos;
    }
    if (pos >= line.size() || line[pos] != ' ') {
      return Problem("line " + std::to_string(lines_) + ": no value");
    }
    std::string_view rest = line.substr(pos + 1);
    std::string_view value_s = rest.substr(0, rest.find(' '));  // an optional timestamp follows
    double value = 0;
    if (!ParseValue(value_s, value)) {
      return Problem("line " + std::to_string(lines_) + ": bad value '" + std::string(value_s) +
                     "'");
    }
    if (fi < 0) return;
    Tally& t = tallies_[fi];
    const FamilySpec& f = kFamilies[fi];
    ++t.count;
    t.key_sum += Mix(key);
    if (value == 1) ++t.ones;
    if (value == 0) ++t.zeros;
    if (f.slot != kNoSlot) t.dated.emplace_back(key, value);
    if (f.slot == kNotAfter) not_after_sum_ += value;
    if (f.name == "certwatch_scrape_duration_seconds") collect_seconds_ = value;
    if (f.presence == Presence::kSubset || f.presence == Presence::kLeaf ||
        static_cast<size_t>(fi) == kTlsReference) {
      t.keys.push_back(key);
    }
    if (f.name == "certwatch_source_up" && line.find("source=\"kubernetes\"") != line.npos &&
        value != 1) {
      Problem("certwatch_source_up{source=\"kubernetes\"} is not 1");
    }
  }

  static bool IsKeyLabel(Object o, std::string_view label) {
    if (o == Object::kCertificate) {
      for (auto k : kCertKeyLabels) {
        if (k == label) return true;
      }
      return false;
    }
    for (auto k : kTlsKeyLabels) {
      if (k == label) return true;
    }
    return false;
  }

  void Comment(std::string_view line) {
    if (line.rfind("# TYPE ", 0) != 0) return;
    std::string_view rest = line.substr(7);
    std::string_view name = rest.substr(0, rest.find(' '));
    if (std::find(typed_.begin(), typed_.end(), name) != typed_.end()) {
      Problem("family " + std::string(name) + " has a second TYPE line");
    }
    typed_.emplace_back(name);
    current_family_.assign(name);
    int fi = FamilyIndex(name);
    if (fi >= 0) tallies_[fi].typed = true;
  }

  // Holds `fi` to the reference set (count `n` objects, fingerprint `ref_sum`).
  void Every(size_t fi, uint64_t n, uint64_t ref_sum) {
    const Tally& t = tallies_[fi];
    const FamilySpec& f = kFamilies[fi];
    const std::string name(f.name);
    if (n == 0) return;
    if (f.one_hot) {
      if (t.count % n != 0 || t.key_sum != (t.count / n) * ref_sum) {
        return Problem(name + ": " + std::to_string(t.count) +
                       " series are not the same number per object for " + std::to_string(n) +
                       " objects");
      }
      if (t.ones != n || t.zeros != t.count - n) {
        return Problem(name + ": " + std::to_string(t.ones) + " current series for " +
                       std::to_string(n) + " objects");
      }
      return;
    }
    if (t.count != n || t.key_sum != ref_sum) {
      Problem(name + ": " + std::to_string(t.count) + " series, not the same " + std::to_string(n) +
              " objects as the reference family (half-updated objects)");
    }
  }

  // Families kept only for part of the objects: the same set in each, inside `all`.
  void SameSubset(Presence p, const std::vector<uint64_t>& all, long expected, uint64_t& size) {
    const std::vector<uint64_t>* first = nullptr;
    std::string first_name;
    for (size_t i = 0; i < kNumFamilies; ++i) {
      if (kFamilies[i].presence != p) continue;
      auto& keys = tallies_[i].keys;
      std::sort(keys.begin(), keys.end());
      if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) {
        Problem(std::string(kFamilies[i].name) + ": an object has two series");
      }
      for (uint64_t k : keys) {
        if (!std::binary_search(all.begin(), all.end(), k)) {
          Problem(std::string(kFamilies[i].name) + ": series for an object not in the reference");
          break;
        }
      }
      if (first == nullptr) {
        first = &keys;
        first_name = kFamilies[i].name;
        size = keys.size();
      } else if (keys != *first) {
        Problem(std::string(kFamilies[i].name) + " and " + first_name +
                " hold different objects (" + std::to_string(keys.size()) + " vs " +
                std::to_string(first->size()) + ")");
      }
    }
    if (expected >= 0 && size != static_cast<uint64_t>(expected)) {
      Problem(std::to_string(size) + " objects in the partial families, expected " +
              std::to_string(expected));
    }
  }

  void CheckConsistency() {
    // Certificates: the expiration family is the reference (distinct objects, with dates).
    auto& exp = tallies_[kCertReference].dated;
    std::sort(exp.begin(), exp.end());
    std::vector<uint64_t> cert_keys;
    cert_keys.reserve(exp.size());
    for (auto& [k, v] : exp) cert_keys.push_back(k);
    if (std::adjacent_find(cert_keys.begin(), cert_keys.end()) != cert_keys.end()) {
      Problem("a certificate has two expiration series");
    }
    certificates_ = cert_keys.size();
    if (opts_.certificates >= 0 && certificates_ != static_cast<uint64_t>(opts_.certificates)) {
      Problem(std::to_string(certificates_) + " certificates, the run set up " +
              std::to_string(opts_.certificates));
    }
    const uint64_t cert_sum = tallies_[kCertReference].key_sum;
    // TLS targets: tls_probe_success is the reference.
    auto& tls_keys = tallies_[kTlsReference].keys;
    std::sort(tls_keys.begin(), tls_keys.end());
    if (std::adjacent_find(tls_keys.begin(), tls_keys.end()) != tls_keys.end()) {
      Problem("a TLS target has two certwatch_tls_probe_success series");
    }
    tls_targets_ = tls_keys.size();
    tls_success_ = tallies_[kTlsReference].ones;
    if (opts_.tls_targets >= 0 && tls_targets_ != static_cast<uint64_t>(opts_.tls_targets)) {
      Problem(std::to_string(tls_targets_) + " TLS targets, the run set up " +
              std::to_string(opts_.tls_targets));
    }
    const uint64_t tls_sum = tallies_[kTlsReference].key_sum;
    for (size_t i = 0; i < kNumFamilies; ++i) {
      if (kFamilies[i].presence != Presence::kEvery) continue;
      if (kFamilies[i].object == Object::kCertificate) Every(i, certificates_, cert_sum);
      if (kFamilies[i].object == Object::kTlsTarget) Every(i, tls_targets_, tls_sum);
    }
    uint64_t failing = 0;
    if (opts_.failing != 0) SameSubset(Presence::kSubset, cert_keys, opts_.failing, failing);
    SameSubset(Presence::kLeaf, tls_keys, -1, tls_leaves_);
    CheckDates(exp);
  }

  // One certificate's dates, from three families, must come from one version of the object.
  void CheckDates(const std::vector<std::pair<uint64_t, double>>& exp) {
    auto check = [&](Slot slot, double want, const char* what) {
      if (want < 0) return;
      for (size_t i = 0; i < kNumFamilies; ++i) {
        if (kFamilies[i].slot != slot) continue;
        auto& other = tallies_[i].dated;
        std::sort(other.begin(), other.end());
        if (other.size() != exp.size()) return;  // reported by Every()
        uint64_t bad = 0;
        for (size_t j = 0; j < exp.size(); ++j) {
          if (other[j].first != exp[j].first || exp[j].second - other[j].second != want) ++bad;
        }
        if (bad > 0) {
          Problem(std::to_string(bad) + " certificates whose notAfter - " + what +
                  " is not the run's (half-updated objects)");
        }
      }
    };
    check(kRenewal, opts_.renewal_before, "renewalTime");
    check(kNotBefore, opts_.validity, "notBefore");
  }

  const Options& opts_;
  std::array<Tally, kNumFamilies> tallies_;
  std::vector<std::string> typed_;
  std::string carry_, current_family_, last_sample_family_, cached_name_;
  int cached_index_ = -1;
  char last_char_ = 0;
  uint64_t lines_ = 0, bytes_ = 0;
  uint64_t certificates_ = 0, tls_targets_ = 0, tls_leaves_ = 0, tls_success_ = 0;
  double not_after_sum_ = 0;    // exact: integers far below 2^53
  double collect_seconds_ = 0;  // certwatch_scrape_duration_seconds: the server's own time
  std::vector<std::string> problems_;
};

// ------------------------------------------------------------------------- one scrape

struct ScrapeOutcome {
  bool answered = false;  // HTTP 200 with a body
  bool gzip = false;
  bool complete = false, consistent = false;
  double ms = 0;
  uint64_t wire_bytes = 0, text_bytes = 0;
  uint64_t certificates = 0, tls_targets = 0, tls_leaves = 0, tls_success = 0;
  double not_after_sum = 0;
  double collect_seconds = 0;
  bool reused = false;  // body byte-identical to one checked before: its verdict reused
  std::vector<std::string> problems;
};

// Scrapes answered from one shared collection carry byte-identical bodies, and they arrive
// together. Such a body is checked once: the first scraper to hold it checks it, the others
// compare their bytes with it in full and wait for its verdict, so the scrapers' CPU goes to
// scraping rather than to re-checking the same bytes (on a 2-core machine the checking would
// otherwise starve the exporter it measures).
class VerdictCache {
 public:
  static constexpr size_t kEntries = 16;

  // Either the verdict of an identical body (true, `out` filled), or false: the caller checks
  // the body and then calls `publish` (non-empty when the caller must publish its verdict).
  bool Find(const std::string& body, ScrapeOutcome& out,
            std::function<void(const ScrapeOutcome&)>& publish) {
    const uint64_t hash = std::hash<std::string_view>()(body);
    std::shared_ptr<Entry> found;
    {
      std::lock_guard lock(mu_);
      for (const auto& e : entries_) {
        if (e->hash == hash && e->body.size() == body.size()) found = e;
      }
      if (!found) {
        auto e = std::make_shared<Entry>();
        e->hash = hash;
        e->body = body;
        e->verdict = e->promise.get_future().share();
        entries_.push_back(e);
        if (entries_.size() > kEntries) entries_.erase(entries_.begin());
        publish = [e](const ScrapeOutcome& v) { e->promise.set_value(v); };
        return false;
      }
    }
    if (found->body != body) return false;  // a 64-bit hash collision: check it alone
    const ScrapeOutcome& v = found->verdict.get();
    const bool gzip = out.gzip;
    const double ms = out.ms;
    const uint64_t wire = out.wire_bytes;
    out = v;
    out.gzip = gzip;
    out.ms = ms;
    out.wire_bytes = wire;
    out.reused = true;
    return true;
  }

 private:
  struct Entry {
    uint64_t hash = 0;
    std::string body;
    std::promise<ScrapeOutcome> promise;
    std::shared_future<ScrapeOutcome> verdict;
  };
  std::mutex mu_;
  std::vector<std::shared_ptr<Entry>> entries_;
};

struct Transfer {
  std::string wire;                    // gzip: the compressed body, inflated after timing
  ExpositionChecker* plain = nullptr;  // plain: checked as it arrives
  uint64_t received = 0;
  std::string content_encoding;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  t->received += size * n;
  if (t->plain != nullptr && t->content_encoding.empty()) {
    t->plain->Feed({data, size * n});
  } else {
    t->wire.append(data, size * n);
  }
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view h(data, size * n);
  constexpr std::string_view kEnc = "content-encoding:";
  if (h.size() > kEnc.size()) {
    std::string lower(h.substr(0, kEnc.size()));
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (lower == kEnc) {
      std::string_view v = h.substr(kEnc.size());
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) {
        v.remove_suffix(1);
      }
      t->content_encoding.assign(v);
    }
  }
  return size * n;
}

// Inflates a gzip body in 256 KiB pieces into the checker; false (with a reason) when the
// stream is cut short or followed by garbage.
template <typename Sink>
bool Inflate(const std::string& gz, Sink&& sink, std::string& err) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
    err = "inflateInit2 failed";
    return false;
  }
  std::vector<char> out(256 * 1024);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = static_cast<uInt>(gz.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    sink(std::string_view(out.data(), out.size() - zs.avail_out));
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;
  }
  const bool ended = rc == Z_STREAM_END && zs.avail_in == 0;
  if (!ended) {
    err = rc == Z_STREAM_END ? "bytes after the end of the gzip stream"
                             : std::string("gzip stream cut short or corrupt: ") +
                                   (zs.msg != nullptr ? zs.msg : std::to_string(rc));
  }
  inflateEnd(&zs);
  return ended;
}

ScrapeOutcome ScrapeOnce(CURL* curl, const Options& o, bool gzip, curl_slist* headers,
                         VerdictCache& cache) {
  ScrapeOutcome out;
  out.gzip = gzip;
  ExpositionChecker checker(o);
  Transfer t;
  if (!gzip) t.plain = &checker;
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  const auto t0 = Steady::now();
  CURLcode rc = curl_easy_perform(curl);
  out.ms = std::chrono::duration<double, std::milli>(Steady::now() - t0).count();
  out.wire_bytes = t.received;
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK) {
    out.problems.push_back(std::string("transfer: ") + curl_easy_strerror(rc));
    return out;
  }
  if (status != 200) {
    out.problems.push_back("HTTP " + std::to_string(status));
    return out;
  }
  out.answered = true;
  curl_off_t length = -1;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  std::vector<std::string> early;
  if (length >= 0 && static_cast<uint64_t>(length) != t.received) {
    early.push_back("body " + std::to_string(t.received) + " bytes, Content-Length " +
                    std::to_string(length));
  }
  if (gzip && t.content_encoding != "gzip") {
    early.push_back("asked for gzip, got Content-Encoding '" + t.content_encoding + "'");
  }
  if (!gzip && !t.content_encoding.empty()) {
    early.push_back("plain scrape answered with Content-Encoding " + t.content_encoding);
  }
  std::function<void(const ScrapeOutcome&)> publish;
  if (early.empty() && t.content_encoding == "gzip" && cache.Find(t.wire, out, publish)) {
    return out;
  }
  if (t.content_encoding == "gzip") {
    std::string err;
    if (!Inflate(
            t.wire, [&](std::string_view s) { checker.Feed(s); }, err)) {
      early.push_back(err);
    }
  }
  checker.Finish(out.complete, out.consistent, out.problems);
  if (!early.empty()) {
    out.complete = out.consistent = false;
    out.problems.insert(out.problems.begin(), early.begin(), early.end());
  }
  out.text_bytes = checker.bytes();
  out.certificates = checker.certificates();
  out.tls_targets = checker.tls_targets();
  out.tls_leaves = checker.tls_leaves();
  out.tls_success = checker.tls_success();
  out.not_after_sum = checker.not_after_sum();
  out.collect_seconds = checker.collect_seconds();
  if (publish) publish(out);
  return out;
}

// ------------------------------------------------------------------------- the storm

struct Totals {
  std::mutex mu;
  std::vector<double> ms, gzip_ms, plain_ms;
  std::vector<double> collect_ms;  // what certwatch itself reports per scrape
  uint64_t scrapes = 0, gzip = 0, plain = 0, answered = 0, complete = 0, consistent = 0;
  uint64_t reused = 0;
  std::vector<int> per_scraper;  // scrapes each scraper finished: how fairly they were served
  std::set<std::pair<bool, double>> collections;  // (gzip, certwatch_scrape_duration_seconds)
  VerdictCache cache;
  uint64_t gzip_wire = 0, gzip_text = 0, plain_text = 0;
  uint64_t certificates_min = UINT64_MAX, certificates_max = 0;
  double not_after_sum_min = HUGE_VAL, not_after_sum_max = -HUGE_VAL;
  uint64_t tls_min = UINT64_MAX, tls_max = 0, leaves_min = UINT64_MAX, success_min = UINT64_MAX;
  std::vector<std::string> problems;
};

void Scraper(int id, const Options& o, Steady::time_point deadline, Totals& totals) {
  CurlPtr curl(curl_easy_init());
  if (!curl) return;
  curl_easy_setopt(curl.get(), CURLOPT_URL, o.url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, o.timeout_ms);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, o.timeout_ms);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_USERAGENT, "certwatch-load/1 (Prometheus-like)");
  if (!o.keepalive) curl_easy_setopt(curl.get(), CURLOPT_FORBID_REUSE, 1L);
  // Prometheus' own request headers; the gzip body is decoded here (zlib), not by libcurl,
  // so that its length can be held to Content-Length.
  const std::string timeout_header =
      "X-Prometheus-Scrape-Timeout-Seconds: " + std::to_string(o.timeout_ms / 1000);
  CurlSlistPtr gzip_headers, plain_headers;
  for (bool gz : {true, false}) {
    curl_slist* l = nullptr;
    l = curl_slist_append(l, "Accept: text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
    l = curl_slist_append(l, timeout_header.c_str());
    if (gz) l = curl_slist_append(l, "Accept-Encoding: gzip");
    (gz ? gzip_headers : plain_headers).reset(l);
  }
  for (int n = 0; Steady::now() < deadline && (o.max_scrapes == 0 || n < o.max_scrapes); ++n) {
    // Scrapers are out of phase with each other, so plain scrapes spread over the run.
    const bool plain = o.plain_every > 0 && (n + id) % o.plain_every == o.plain_every - 1;
    ScrapeOutcome s = ScrapeOnce(curl.get(), o, !plain,
                                 plain ? plain_headers.get() : gzip_headers.get(), totals.cache);
    std::lock_guard lock(totals.mu);
    ++totals.scrapes;
    ++totals.per_scraper[id];
    ++(s.gzip ? totals.gzip : totals.plain);
    totals.ms.push_back(s.ms);
    (s.gzip ? totals.gzip_ms : totals.plain_ms).push_back(s.ms);
    if (s.answered) ++totals.answered;
    if (s.reused) ++totals.reused;
    if (s.complete) ++totals.complete;
    if (s.consistent) ++totals.consistent;
    if (s.answered && s.gzip) {
      totals.gzip_wire += s.wire_bytes;
      totals.gzip_text += s.text_bytes;
    }
    if (s.answered && !s.gzip) totals.plain_text += s.text_bytes;
    if (s.complete) {
      totals.certificates_min = std::min(totals.certificates_min, s.certificates);
      totals.certificates_max = std::max(totals.certificates_max, s.certificates);
      totals.tls_min = std::min(totals.tls_min, s.tls_targets);
      totals.tls_max = std::max(totals.tls_max, s.tls_targets);
      totals.leaves_min = std::min(totals.leaves_min, s.tls_leaves);
      totals.success_min = std::min(totals.success_min, s.tls_success);
      totals.not_after_sum_min = std::min(totals.not_after_sum_min, s.not_after_sum);
      totals.not_after_sum_max = std::max(totals.not_after_sum_max, s.not_after_sum);
      totals.collect_ms.push_back(s.collect_seconds * 1000);
      totals.collections.emplace(s.gzip, s.collect_seconds);
    }
    for (auto& p : s.problems) {
      if (totals.problems.size() < 12) {
        totals.problems.push_back("scraper " + std::to_string(id) + " scrape " + std::to_string(n) +
                                  (s.gzip ? " (gzip): " : " (plain): ") + p);
      }
    }
  }
}

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size()))) - 1;
  return sorted[std::min(i, sorted.size() - 1)];
}

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// ------------------------------------------------------------------------- self-check

// Fetches one exposition (gzip, inflated) whole.
bool FetchText(const Options& o, std::string& text, std::string& err) {
  CurlPtr curl(curl_easy_init());
  if (!curl) {
    err = "curl_easy_init failed";
    return false;
  }
  Transfer t;
  CurlSlistPtr headers(curl_slist_append(nullptr, "Accept-Encoding: gzip"));
  curl_easy_setopt(curl.get(), CURLOPT_URL, o.url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, o.timeout_ms);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &t);
  CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) {
    err = curl_easy_strerror(rc);
    return false;
  }
  if (t.content_encoding != "gzip") {
    text = std::move(t.wire);
    return true;
  }
  return Inflate(
      t.wire, [&](std::string_view s) { text.append(s); }, err);
}

// Where the first sample line of `family` starts and ends (end includes the newline).
std::pair<size_t, size_t> FirstSample(const std::string& text, std::string_view family,
                                      size_t nth = 0) {
  const std::string needle = "\n" + std::string(family) + "{";
  size_t at = text.find(needle);
  for (size_t i = 0; i < nth && at != std::string::npos; ++i) at = text.find(needle, at + 1);
  if (at == std::string::npos) return {std::string::npos, std::string::npos};
  return {at + 1, text.find('\n', at + 1) + 1};
}

// The checker must pass one real exposition and fail each kind of damage it claims to catch;
// run before the storm so that "consistent" is known to be able to say no.
int SelfCheck(const Options& o) {
  std::string text, err;
  if (!FetchText(o, text, err)) {
    std::fprintf(stderr, "self-check: fetch %s: %s\n", o.url.c_str(), err.c_str());
    return 2;
  }
  auto verdict = [&](const std::string& body) {
    ExpositionChecker c(o);
    // In pieces of odd sizes, as a network delivers it.
    for (size_t i = 0; i < body.size(); i += 65'537)
      c.Feed(std::string_view(body).substr(i, 65'537));
    bool complete = false, consistent = false;
    std::vector<std::string> problems;
    c.Finish(complete, consistent, problems);
    return std::make_tuple(complete, consistent, problems.empty() ? std::string() : problems[0]);
  };
  auto erase_line = [&](std::string_view family, size_t nth = 0) {
    std::string t = text;
    auto [b, e] = FirstSample(t, family, nth);
    if (b != std::string::npos) t.erase(b, e - b);
    return t;
  };
  auto edit_value = [&](std::string_view family, double delta) {
    std::string t = text;
    auto [b, e] = FirstSample(t, family);
    if (b == std::string::npos) return t;
    size_t sp = t.rfind(' ', e - 2) + 1;
    double v = std::strtod(t.c_str() + sp, nullptr) + delta;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    t.replace(sp, e - 1 - sp, buf);
    return t;
  };
  auto rename_in = [&](std::string_view family) {
    std::string t = text;
    auto [b, e] = FirstSample(t, family);
    if (b == std::string::npos) return t;
    size_t name = t.find("name=\"", b);
    if (name < e) t.insert(name + 6, "x");
    return t;
  };
  auto duplicate = [&](std::string_view family) {
    std::string t = text;
    auto [b, e] = FirstSample(t, family);
    if (b != std::string::npos) t.insert(e, t.substr(b, e - b));
    return t;
  };
  struct Case {
    const char* what;
    std::string body;
    bool want_complete;
  };
  std::vector<Case> cases;
  cases.push_back({"renewalTime series of one certificate missing",
                   erase_line("certwatch_certificate_renewal_timestamp_seconds"), true});
  cases.push_back({"renewalTime of one certificate from another version",
                   edit_value("certwatch_certificate_renewal_timestamp_seconds", 86400), true});
  cases.push_back({"notBefore of one certificate from another version",
                   edit_value("certwatch_certificate_not_before_timestamp_seconds", -1), true});
  cases.push_back({"one of a certificate's three ready_status series missing",
                   erase_line("certwatch_certificate_ready_status", 1), true});
  cases.push_back({"one certificate renamed in certwatch_certificate_info",
                   rename_in("certwatch_certificate_info"), true});
  cases.push_back({"a certificate twice in the expiration family",
                   duplicate("certwatch_certificate_expiration_timestamp_seconds"), true});
  cases.push_back({"one failing certificate missing from last_failure",
                   erase_line("certwatch_certificate_last_failure_timestamp_seconds"), true});
  cases.push_back({"one TLS target missing from tls_cert_not_before (leaf families disagree)",
                   erase_line("certwatch_tls_cert_not_before_timestamp_seconds"), true});
  cases.push_back({"one TLS target missing from tls_probe_duration_seconds",
                   erase_line("certwatch_tls_probe_duration_seconds"), true});
  cases.push_back({"body cut in half at a line end",
                   text.substr(0, text.find('\n', text.size() / 2) + 1), false});
  cases.push_back({"body cut mid-line", text.substr(0, text.size() - 3), false});
  int missed = 0;
  auto [ok_complete, ok_consistent, ok_problem] = verdict(text);
  std::printf("self-check on a real exposition (%.1f MB): %s%s\n", text.size() / 1e6,
              ok_consistent ? "complete and consistent" : "REJECTED: ", ok_problem.c_str());
  if (!ok_consistent) ++missed;
  for (const auto& c : cases) {
    auto [complete, consistent, problem] = verdict(c.body);
    const bool caught = !consistent && complete == c.want_complete;
    if (!caught) ++missed;
    std::printf("  %-72s %s: %s\n", c.what, caught ? "caught" : "MISSED", problem.c_str());
  }
  std::printf("{\"self_check_cases\": %zu, \"missed\": %d}\n", cases.size() + 1, missed);
  return missed == 0 ? 0 : 1;
}

int Run(const Options& o) {
  Totals totals;
  const double cpu0 = CpuSeconds();
  const auto t0 = Steady::now();
  const auto deadline = t0 + std::chrono::duration_cast<Steady::duration>(
                                 std::chrono::duration<double>(o.duration_s));
  totals.per_scraper.assign(o.scrapers, 0);
  std::vector<std::thread> threads;
  threads.reserve(o.scrapers);
  for (int i = 0; i < o.scrapers; ++i) {
    threads.emplace_back(Scraper, i, std::cref(o), deadline, std::ref(totals));
  }
  for (auto& t : threads) t.join();
  const double wall = std::chrono::duration<double>(Steady::now() - t0).count();
  const double cpu = CpuSeconds() - cpu0;
  std::sort(totals.ms.begin(), totals.ms.end());
  const double p50 = Percentile(totals.ms, 0.50), p99 = Percentile(totals.ms, 0.99);
  const double max = totals.ms.empty() ? 0 : totals.ms.back();
  auto or0 = [](uint64_t v) { return v == UINT64_MAX ? 0 : v; };
  // The driver renews certificates by one day each; the spread of the notAfter sums over the
  // complete scrapes says how many renewals the scrapes saw land.
  const double renewals_seen = totals.not_after_sum_max >= totals.not_after_sum_min
                                   ? (totals.not_after_sum_max - totals.not_after_sum_min) / 86400
                                   : 0;

  std::printf("scrapers %d for %.0f s (wall %.1f s incl. scrapes in flight at the deadline)\n",
              o.scrapers, o.duration_s, wall);
  std::printf(
      "scrapes %llu (gzip %llu, plain %llu): answered %llu, complete %llu, consistent %llu\n",
      static_cast<unsigned long long>(totals.scrapes), static_cast<unsigned long long>(totals.gzip),
      static_cast<unsigned long long>(totals.plain),
      static_cast<unsigned long long>(totals.answered),
      static_cast<unsigned long long>(totals.complete),
      static_cast<unsigned long long>(totals.consistent));
  std::printf("latency ms (request to last byte): p50 %.0f  p99 %.0f  max %.0f\n", p50, p99, max);
  for (auto* v : {&totals.gzip_ms, &totals.plain_ms}) std::sort(v->begin(), v->end());
  std::printf("  gzip scrapes p50 %.0f  p99 %.0f; plain scrapes p50 %.0f  p99 %.0f\n",
              Percentile(totals.gzip_ms, 0.5), Percentile(totals.gzip_ms, 0.99),
              Percentile(totals.plain_ms, 0.5), Percentile(totals.plain_ms, 0.99));
  std::sort(totals.collect_ms.begin(), totals.collect_ms.end());
  const double collect_p50 = Percentile(totals.collect_ms, 0.5);
  const double collect_max = totals.collect_ms.empty() ? 0 : totals.collect_ms.back();
  std::printf(
      "certwatch_scrape_duration_seconds (collection alone, as certwatch reports it): p50 %.0f ms, "
      "max %.0f ms\n",
      collect_p50, collect_max);
  const auto [fewest, most] =
      std::minmax_element(totals.per_scraper.begin(), totals.per_scraper.end());
  std::printf("scrapes per scraper: fewest %d, most %d\n", *fewest, *most);
  uint64_t gzip_collections = 0;
  for (const auto& [gz, sec] : totals.collections) gzip_collections += gz ? 1 : 0;
  const uint64_t plain_collections = totals.collections.size() - gzip_collections;
  std::printf(
      "collections seen (distinct certwatch_scrape_duration_seconds): gzip %llu for %llu "
      "scrapes, plain %llu for %llu; bodies checked in full %llu, byte-identical to a checked "
      "one %llu\n",
      static_cast<unsigned long long>(gzip_collections),
      static_cast<unsigned long long>(totals.gzip),
      static_cast<unsigned long long>(plain_collections),
      static_cast<unsigned long long>(totals.plain),
      static_cast<unsigned long long>(totals.answered - totals.reused),
      static_cast<unsigned long long>(totals.reused));
  if (totals.gzip > 0 && totals.gzip_wire > 0) {
    std::printf("gzip body %.1f MB -> %.1f MB text\n",
                static_cast<double>(totals.gzip_wire) / 1e6 / static_cast<double>(totals.gzip),
                static_cast<double>(totals.gzip_text) / 1e6 / static_cast<double>(totals.gzip));
  }
  std::printf(
      "per complete scrape: certificates %llu..%llu, TLS targets %llu..%llu, "
      "with a served leaf >= %llu, probe success >= %llu\n",
      static_cast<unsigned long long>(or0(totals.certificates_min)),
      static_cast<unsigned long long>(totals.certificates_max),
      static_cast<unsigned long long>(or0(totals.tls_min)),
      static_cast<unsigned long long>(totals.tls_max),
      static_cast<unsigned long long>(or0(totals.leaves_min)),
      static_cast<unsigned long long>(or0(totals.success_min)));
  std::printf("renewals seen between the first and the last complete scrape: %.0f\n",
              renewals_seen);
  std::printf("scraper CPU %.1f s (decompressing and checking every exposition)\n", cpu);
  for (const auto& p : totals.problems) std::printf("  problem: %s\n", p.c_str());

  std::string problems = "[";
  for (size_t i = 0; i < totals.problems.size(); ++i) {
    problems += (i ? "," : "") + JsonString(totals.problems[i]);
  }
  problems += "]";
  std::printf(
      "{\"scrapers\": %d, \"duration_s\": %.1f, \"scrapes\": %llu, \"gzip\": %llu, \"plain\": "
      "%llu, \"answered\": %llu, \"complete\": %llu, \"consistent\": %llu, \"p50_ms\": %.1f, "
      "\"p99_ms\": %.1f, \"max_ms\": %.1f, \"certificates\": %llu, \"tls_targets\": %llu, "
      "\"tls_leaves_min\": %llu, \"tls_success_min\": %llu, \"gzip_bytes_avg\": %.0f, "
      "\"text_bytes_avg\": %.0f, \"client_cpu_s\": %.1f, \"renewals_seen\": %.0f, "
      "\"collect_p50_ms\": %.1f, \"collect_max_ms\": %.1f, \"collections_gzip\": %llu, "
      "\"collections_plain\": %llu, \"reused_verdicts\": %llu, \"per_scraper_min\": %d, "
      "\"per_scraper_max\": %d, \"problems\": %s}\n",
      o.scrapers, wall, static_cast<unsigned long long>(totals.scrapes),
      static_cast<unsigned long long>(totals.gzip), static_cast<unsigned long long>(totals.plain),
      static_cast<unsigned long long>(totals.answered),
      static_cast<unsigned long long>(totals.complete),
      static_cast<unsigned long long>(totals.consistent), p50, p99, max,
      static_cast<unsigned long long>(or0(totals.certificates_min)),
      static_cast<unsigned long long>(or0(totals.tls_min)),
      static_cast<unsigned long long>(or0(totals.leaves_min)),
      static_cast<unsigned long long>(or0(totals.success_min)),
      totals.gzip ? static_cast<double>(totals.gzip_wire) / static_cast<double>(totals.gzip) : 0,
      totals.gzip ? static_cast<double>(totals.gzip_text) / static_cast<double>(totals.gzip) : 0,
      cpu, renewals_seen, collect_p50, collect_max,
      static_cast<unsigned long long>(gzip_collections),
      static_cast<unsigned long long>(plain_collections),
      static_cast<unsigned long long>(totals.reused), *fewest, *most, problems.c_str());
  std::fflush(stdout);
  // Slowness is reported, not failed; a 200 answer that is cut short or half-updated is a bug.
  return totals.answered == totals.consistent ? 0 : 1;
}

}  // namespace
}  // namespace certwatch

int main(int argc, char** argv) {
  certwatch::Options o;
  if (argc == 1) {
    // `./build.sh bench` runs every bench_* binary bare; this one needs the set-up that
    // bench/load.sh makes (fake API server, TLS servers, certwatch serve).
    std::printf("bench_load_scrapers: run by bench/load.sh (needs --url); nothing to do\n");
    return 0;
  }
  if (!certwatch::ParseOptions(argc, argv, o) || o.url.empty()) {
    std::fprintf(
        stderr,
        "usage: bench_load_scrapers --url URL [--scrapers 50] [--duration S] "
        "[--timeout S] [--plain-every N] [--certificates N] [--tls-targets N] "
        "[--failing N] [--renewal-before S] [--validity S] [--max-scrapes N] [--no-keepalive]\n");
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int rc = o.self_check ? certwatch::SelfCheck(o) : certwatch::Run(o);
  curl_global_cleanup();
  return rc;
}
