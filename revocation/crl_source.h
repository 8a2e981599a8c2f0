// The `crls` source: one fetcher and cache for every CRL certwatch uses. It reads the
// configured files (`crls[].path`), fetches the configured URLs (`crls[].url`) and, opt-in
// (`revocation.fetch_distribution_points`), the CRL Distribution Points of the served TLS
// leaves and TLS Secrets; it verifies each CRL against a held certificate of its issuer (the
// probed chains, the Secrets' chains and ca.crt) and writes StateData::crls, which the
// collectors read for both the probe path and the Secret path (revocation/verdict.h).
//
// Bounds: a body over revocation.max_crl_bytes aborts its fetch, a fetch lasts at most
// revocation.fetch_timeout, and one CRL is fetched at most every min_refetch_interval. A CRL
// URL is fetched again after its nextUpdate (at least every max_refetch_interval), a CRL file
// is re-read every min_refetch_interval; a failed fetch
// is retried after min_refetch_interval, doubling per failure up to backoff_max, and the last
// CRL that parsed stays in use until its nextUpdate.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/handles.h"
#include "common/log.h"
#include "config/config.h"
#include "revocation/crl.h"
#include "state/source.h"
#include "state/state.h"

namespace certwatch {

class CrlSource final : public Source {
 public:
  CrlSource(std::vector<CrlSourceConfig> crls, RevocationConfig options, StateStore& store,
            const Logger& logger, const Clock& clock);
  ~CrlSource() override;
  CrlSource(const CrlSource&) = delete;
  CrlSource& operator=(const CrlSource&) = delete;

  std::string_view Name() const override { return "crls"; }
  void Start() override;
  void Stop() override;
  void Forget(StateData& data) const override;

  // One pass: read what is due, verify, write the store. Public for tests.
  void RunOnce();

 private:
  using TimePoint = std::chrono::system_clock::time_point;
  struct Entry {
    std::optional<ParsedCrl> crl;
    TimePoint next_attempt{};
    int failures = 0;
    uint64_t verified_against = 0;  // issuers_generation_ of the last verification
    CrlState state;
  };
  struct Wanted {
    std::string source, origin;
  };

  void Run();
  // Refreshes issuers_ and cdp_urls_ from the certificates the other sources hold.
  void GatherHeld();
  std::vector<Wanted> WantedSources(const std::vector<std::string>& cdp_urls) const;
  Result<std::string> Read(const Wanted& w) const;
  void Fetch(const Wanted& w, Entry& e, TimePoint now);
  void Verify(Entry& e, bool fresh_read);

  std::vector<CrlSourceConfig> crls_;
  RevocationConfig options_;
  StateStore& store_;
  Logger logger_;
  const Clock& clock_;

  std::map<std::string, Entry> entries_;                 // by source
  std::map<std::string, X509Ptr, std::less<>> issuers_;  // held certificates, by DER
  uint64_t issuers_generation_ = 1;                      // bumped when a held certificate appears
  std::vector<std::string> cdp_urls_;                    // distribution points to fetch (opt-in)
  uint64_t written_generation_ = 0;  // the store's generation after this source's write
  bool cdp_cap_logged_ = false;

  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
};

}  // namespace certwatch
