#include "revocation/crl_source.h"

#include <glob.h>
#include <openssl/err.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <string_view>

#include "common/http_get.h"

namespace certwatch {
namespace {

constexpr auto kTick = std::chrono::seconds(1);

UnixSeconds ToUnix(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::vector<std::string> Glob(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  globfree(&g);
  if (out.empty()) out.push_back(pattern);  // reported as a read error of the pattern
  return out;
}

}  // namespace

CrlSource::CrlSource(std::vector<CrlSourceConfig> crls, RevocationConfig options, StateStore& store,
                     const Logger& logger, const Clock& clock)
    : crls_(std::move(crls)),
      options_(std::move(options)),
      store_(store),
      logger_(logger.With("source", "crls")),
      clock_(clock) {}

CrlSource::~CrlSource() { Stop(); }

void CrlSource::Start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = false;
  }
  thread_ = std::thread([this] { Run(); });
}

void CrlSource::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void CrlSource::Forget(StateData& data) const {
  data.crls.clear();
  data.sources.erase(std::string(Name()));
}

void CrlSource::Run() {
  while (true) {
    RunOnce();
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, kTick, [this] { return stop_; })) return;
  }
}

std::vector<CrlSource::Wanted> CrlSource::WantedSources(
    const std::vector<std::string>& cdp_urls) const {
  std::vector<Wanted> out;
  std::set<std::string> seen;
  for (const auto& c : crls_) {
    if (!c.path.empty()) {
      for (auto& p : Glob(c.path)) {
        if (seen.insert(p).second) out.push_back({std::move(p), "path"});
      }
    } else if (seen.insert(c.url).second) {
      out.push_back({c.url, "url"});
    }
  }
  for (const auto& u : cdp_urls) {
    if (seen.insert(u).second) out.push_back({u, "distribution_point"});
  }
  return out;
}

Result<std::string> CrlSource::Read(const Wanted& w) const {
  const size_t max = static_cast<size_t>(options_.max_crl_bytes);
  if (w.origin != "path") {
    HttpGetOptions o;
    o.max_bytes = max;
    o.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(options_.fetch_timeout);
    return HttpGet(w.source, o);
  }
  struct stat st {};
  if (stat(w.source.c_str(), &st) != 0) return Error{w.source + ": no such file"};
  if (!S_ISREG(st.st_mode)) return Error{w.source + ": not a regular file"};
  if (static_cast<uint64_t>(st.st_size) > max) {
    return Error{w.source + ": larger than " + std::to_string(max) + " bytes"};
  }
  std::ifstream in(w.source, std::ios::binary);
  if (!in) return Error{w.source + ": cannot be opened"};
  std::string data(max + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<size_t>(in.gcount()));
  if (data.size() > max) return Error{w.source + ": larger than " + std::to_string(max) + " bytes"};
  return data;
}

void CrlSource::Fetch(const Wanted& w, Entry& e, TimePoint now) {
  e.state.source = w.source;
  e.state.origin = w.origin;
  e.state.last_fetch = ToUnix(now);
  auto data = Read(w);
  Result<ParsedCrl> parsed = data ? ParseCrl(*data) : Result<ParsedCrl>(data.error());
  if (data && !parsed) parsed = parsed.error().Wrap(w.source);
  if (!parsed) {
    ++e.failures;
    ++e.state.fetch_failures_total;
    e.state.fetch_success = false;
    e.state.error = parsed.error().message;
    auto delay = options_.min_refetch_interval;
    for (int i = 1; i < e.failures && delay < options_.backoff_max; ++i) delay *= 2;
    e.next_attempt = now + std::min(delay, options_.backoff_max);
    logger_.Warn("CRL not read", {{"crl", w.source}, {"error", e.state.error}});
    return;
  }
  e.failures = 0;
  e.state.fetch_success = true;
  e.state.error.clear();
  e.crl = std::move(parsed.value());
  e.state.issuer = e.crl->issuer;
  e.state.this_update = e.crl->this_update;
  e.state.next_update = e.crl->next_update;
  e.state.revoked = std::make_shared<const std::vector<std::string>>(e.crl->revoked);
  // Again after nextUpdate, within [min_refetch_interval, max_refetch_interval] from now.
  TimePoint next = now + options_.max_refetch_interval;
  if (e.crl->next_update) {
    next = std::min(next, TimePoint(std::chrono::seconds(*e.crl->next_update)));
  }
  e.next_attempt = std::max(next, now + options_.min_refetch_interval);
  // A file is cheap to read and may be replaced before its nextUpdate.
  if (w.origin == "path") e.next_attempt = now + options_.min_refetch_interval;
  Verify(e, /*fresh_read=*/true);
}

void CrlSource::Verify(Entry& e, bool fresh_read) {
  if (!e.crl) return;
  if (!fresh_read && (e.state.verify_status == "ok" || e.verified_against == issuers_generation_)) {
    return;
  }
  e.verified_against = issuers_generation_;
  std::string status = "issuer_not_found";
  std::string key_id;
  X509_NAME* want = X509_CRL_get_issuer(e.crl->crl.get());
  for (const auto& [der, cert] : issuers_) {
    if (X509_NAME_cmp(want, X509_get_subject_name(cert.get())) != 0) continue;
    if (CrlSignedBy(*e.crl, cert.get())) {
      status = "ok";
      key_id = SubjectKeyIdOf(cert.get());
      break;
    }
    status = "bad_signature";
  }
  const bool changed = status != e.state.verify_status;
  e.state.verify_status = status;
  e.state.issuer_key_id = key_id;
  // A CRL whose issuer is not held (yet: the probes may not have run) waits for it; one that
  // a held certificate of its issuer's name does not verify is counted once per read.
  if (status == "bad_signature" && (fresh_read || changed)) {
    ++e.state.verify_failures_total;
    logger_.Warn("CRL not used: its signature does not verify with the held issuer certificate",
                 {{"crl", e.state.source}, {"issuer", e.state.issuer}});
  } else if (status == "issuer_not_found" && changed) {
    logger_.Debug("CRL not used yet: no certificate of its issuer is held",
                  {{"crl", e.state.source}, {"issuer", e.state.issuer}});
  }
}

void CrlSource::GatherHeld() {
  std::vector<std::shared_ptr<const std::string>> held;
  const bool cdp = options_.fetch_distribution_points;
  cdp_urls_.clear();
  store_.Read([&](const StateData& d) {
    std::set<const std::string*> seen;
    auto hold = [&](const std::shared_ptr<const std::string>& der) {
      if (der && !der->empty() && seen.insert(der.get()).second) held.push_back(der);
    };
    std::set<std::string> urls;
    auto want = [&](const CertFacts& f) {
      if (!cdp) return;
      for (const auto& u : f.crl_urls) urls.insert(u);
    };
    for (const auto& [k, r] : d.tls) {
      hold(r.issuer_der);
      if (r.leaf) want(*r.leaf);
    }
    for (const auto& [k, s] : d.secrets) {
      hold(s.issuer_der);
      if (s.error.empty()) want(s.facts);
    }
    const size_t cap = static_cast<size_t>(std::max(options_.max_distribution_points, 0));
    for (const auto& u : urls) {
      if (cdp_urls_.size() >= cap) {
        if (!cdp_cap_logged_) {
          logger_.Warn("more CRL distribution points than revocation.max_distribution_points",
                       {{"distribution_points", std::to_string(urls.size())},
                        {"fetched", std::to_string(cap)}});
          cdp_cap_logged_ = true;
        }
        break;
      }
      cdp_urls_.push_back(u);
    }
  });
  // Views into `held`, which keeps the bytes alive until the end of this function.
  std::set<std::string_view> still_held;
  for (const auto& der : held) {
    if (!still_held.insert(*der).second) continue;
    if (issuers_.find(std::string_view(*der)) != issuers_.end()) continue;
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der->data());
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der->size())));
    ERR_clear_error();
    if (!cert) continue;
    issuers_.emplace(*der, std::move(cert));
    ++issuers_generation_;
  }
  std::erase_if(issuers_, [&](const auto& kv) {
    return still_held.find(std::string_view(kv.first)) == still_held.end();
  });
}

void CrlSource::RunOnce() {
  // What the other sources hold: issuer certificates and (opt-in) distribution points, read
  // again only when the store changed since this source's own last write.
  if (store_.generation() != written_generation_) {
    GatherHeld();
  }
  const auto wanted = WantedSources(cdp_urls_);
  int failed_now = 0;  // fetches of this pass that failed
  std::set<std::string> names;
  for (const auto& w : wanted) names.insert(w.source);
  std::erase_if(entries_, [&](const auto& kv) { return !names.count(kv.first); });
  for (const auto& w : wanted) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
    }
    Entry& e = entries_[w.source];
    const TimePoint now = clock_.Now();
    if (now >= e.next_attempt) {
      Fetch(w, e, now);
      if (!e.state.fetch_success) ++failed_now;
    } else {
      Verify(e, /*fresh_read=*/false);  // a held issuer may have appeared since
    }
  }

  bool up = true;
  std::string error;
  for (const auto& [source, e] : entries_) {
    if (!e.state.fetch_success) {
      up = false;
      if (error.empty()) error = e.state.error;
    }
  }
  const UnixSeconds now = ToUnix(clock_.Now());
  store_.Update([&](StateData& d) {
    d.crls.clear();
    for (const auto& [source, e] : entries_) d.crls.emplace(source, e.state);
    // certwatch_source_errors_total counts failed fetches, not passes spent waiting to retry.
    if (up || failed_now > 0) {
      SetSourceStatus(d, std::string(Name()), up, true, now, error);
    } else {
      SourceStatus& st = d.sources[std::string(Name())];
      st.up = false;
      st.synced = true;
      st.last_error = error;
    }
  });
  written_generation_ = store_.generation();
}

}  // namespace certwatch
