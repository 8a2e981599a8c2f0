#include "probes/tls_scheduler.h"

#include <functional>
#include <future>

namespace certwatch {
namespace {

// FNV-1a: a stable phase per target across restarts and replicas.
uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

TlsScheduler::TlsScheduler(EventLoop& loop, StateStore& store, const Config& config,
                           const Logger& logger, const Clock& clock, Shard shard)
    : loop_(loop),
      store_(store),
      config_(config),
      logger_(logger.With("source", "tls_probes")),
      clock_(clock),
      shard_(shard),
      prober_(std::make_unique<TlsProber>(loop)) {
  auto allow =
      AllowList::Parse(config.tls_probes.allowed_cidrs, config.tls_probes.allowed_domain_suffixes);
  if (allow) {
    allow_ = std::move(allow.value());
  } else {
    config_error_ = allow.error().message;
  }
}

TlsScheduler::~TlsScheduler() { Stop(); }

void TlsScheduler::Start() {
  if (started_) return;
  started_ = true;
  loop_.Post([this] {
    running_ = true;
    StartRound();
  });
}

void TlsScheduler::Stop() {
  if (!started_) return;
  started_ = false;
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  loop_.Post([this, done] {
    running_ = false;
    for (auto t : timers_) loop_.CancelTimer(t);
    timers_.clear();
    if (round_timer_) loop_.CancelTimer(round_timer_);
    round_timer_ = 0;
    prober_->CancelAll();
    in_flight_.clear();
    queue_.clear();
    queued_.clear();
    done->set_value();
  });
  // The loop thread stops after this source; if it is already gone nothing runs on it.
  fut.wait_for(std::chrono::seconds(5));
  writer_.Flush();
}

void TlsScheduler::StartRound() {
  if (!running_) return;
  const auto interval = config_.tls_probes.interval;
  auto round_start = EventLoop::Clock::now();
  round_timer_ = loop_.AddTimer(round_start + interval, [this] {
    round_timer_ = 0;
    StartRound();
  });
  for (auto t : timers_) loop_.CancelTimer(t);
  timers_.clear();

  const UnixSeconds now = static_cast<UnixSeconds>(clock_.NowSeconds());
  if (!config_error_.empty()) {
    writer_.Post([now, error = config_error_](StateData& d) {
      SetSourceStatus(d, "tls_probes", false, false, now, error);
    });
    return;
  }
  std::map<std::string, TlsTarget> next;
  std::string error;
  std::vector<std::string> rejected;
  store_.Read([&](const StateData& data) {
    auto statics = StaticTargets(config_.tls_probes, &data);
    if (!statics) {
      error = statics.error().message;
      return 0;
    }
    for (auto& t : statics.value()) next.emplace(t.Key(), std::move(t));
    if (config_.kubernetes.enabled && config_.kubernetes.ingresses) {
      Discovery d =
          IngressTargets(data, config_.tls_probes, config_.kubernetes.ingress_port, allow_);
      for (auto& t : d.targets) next.emplace(t.Key(), std::move(t));
      rejected = std::move(d.rejected);
    }
    return 0;
  });
  if (!error.empty()) {
    writer_.Post(
        [now, error](StateData& d) { SetSourceStatus(d, "tls_probes", false, false, now, error); });
    return;
  }
  if (shard_.count() > 1) {
    for (auto it = next.begin(); it != next.end();) {
      const TlsTarget& t = it->second;
      const std::string& owner_key = !t.certificate.empty() ? t.certificate
                                     : !t.secret.empty()    ? t.secret
                                                            : it->first;
      it = shard_.Owns(owner_key) ? std::next(it) : next.erase(it);
    }
  }
  for (const auto& r : rejected) {
    if (logged_rejections_.insert(r).second) {
      logger_.Warn("discovered TLS target skipped", {{"target", r}});
    }
  }
  // Results of targets that are gone (a deleted Ingress) vanish with them. Through the
  // writer, so that a result still queued for such a target cannot bring it back.
  std::set<std::string> keys;
  for (const auto& [key, t] : next) keys.insert(key);
  targets_ = std::move(next);
  if (!synced_ && awaiting_first_.empty()) {
    for (const auto& [key, t] : targets_) awaiting_first_.insert(key);
    if (targets_.empty()) synced_ = true;
  }
  writer_.Post([keys = std::move(keys), now, synced = synced_](StateData& data) {
    for (auto it = data.tls.begin(); it != data.tls.end();) {
      it = keys.count(it->first) ? std::next(it) : data.tls.erase(it);
    }
    SetSourceStatus(data, "tls_probes", true, synced, now);
  });

  const auto interval_ms = std::chrono::duration_cast<std::chrono::milliseconds>(interval);
  for (const auto& [key, t] : targets_) {
    auto phase = std::chrono::milliseconds(
        interval_ms.count() > 0 ? static_cast<int64_t>(Fnv1a(key) % interval_ms.count()) : 0);
    std::string k = key;
    timers_.push_back(loop_.AddTimer(round_start + phase, [this, k] { Enqueue(k); }));
  }
}

void TlsScheduler::Enqueue(const std::string& key) {
  if (!running_ || in_flight_.count(key) || !queued_.insert(key).second) return;
  queue_.push_back(key);
  Pump();
}

void TlsScheduler::Pump() {
  const size_t limit = static_cast<size_t>(std::max(1, config_.tls_probes.max_concurrency));
  while (running_ && in_flight_.size() < limit && !queue_.empty()) {
    std::string key = std::move(queue_.front());
    queue_.pop_front();
    queued_.erase(key);
    auto it = targets_.find(key);
    if (it == targets_.end()) continue;
    in_flight_.insert(key);
    prober_->Probe(it->second.options,
                   [this, key](TlsProbeReport report) { OnDone(key, std::move(report)); });
  }
}

void TlsScheduler::OnDone(const std::string& key, TlsProbeReport report) {
  in_flight_.erase(key);
  auto it = targets_.find(key);
  if (it != targets_.end()) {
    const UnixSeconds now = static_cast<UnixSeconds>(clock_.NowSeconds());
    if (!report.result.success) {
      logger_.Debug("TLS probe failed", {{"target", it->second.target},
                                         {"server_name", it->second.options.server_name},
                                         {"err", report.result.error}});
    }
    // The first round's last result and "synced" land in one update, so no reader sees the
    // result without the source synced.
    const bool completes_sync = !synced_ && awaiting_first_.erase(key) && awaiting_first_.empty();
    if (completes_sync) synced_ = true;
    // Applied by the writer thread: the loop never waits for a scrape's read lock.
    writer_.Post([target = it->second, report = std::move(report), now,
                  completes_sync](StateData& data) mutable {
      Record(data, target, std::move(report), now);
      if (completes_sync) SetSourceStatus(data, "tls_probes", true, true, now);
    });
  }
  Pump();
}

void TlsScheduler::Record(StateData& data, const TlsTarget& target, TlsProbeReport report,
                          UnixSeconds now) {
  TlsProbeResult r = std::move(report.result);
  r.target = target.target;
  r.server_name = target.options.server_name;
  r.source = target.source;
  r.certificate = target.certificate;
  r.secret = target.secret;
  r.last_probe = now;
  r.matches_stored.reset();
  r.mismatch_since = 0;
  const std::string key = target.Key();
  auto prev = data.tls.find(key);

  // What the endpoint should serve: the Secret's certificate when secrets are read, else the
  // Certificate's status.notAfter.
  std::optional<bool> match;
  if (r.leaf) {
    if (!r.secret.empty()) {
      auto s = data.secrets.find(r.secret);
      if (s != data.secrets.end() && s->second.error.empty() &&
          !s->second.fingerprint_sha256.empty()) {
        match = s->second.fingerprint_sha256 == r.leaf->fingerprint_sha256;
      }
    }
    if (!match && !r.certificate.empty()) {
      auto c = data.certificates.find(r.certificate);
      if (c != data.certificates.end() && c->second.not_after) {
        match = *c->second.not_after == r.leaf->not_after;
      }
    }
  }
  if (match) {
    r.matches_stored = *match;
    if (!*match) {
      bool was_mismatched = prev != data.tls.end() && prev->second.matches_stored &&
                            !*prev->second.matches_stored && prev->second.mismatch_since > 0;
      r.mismatch_since = was_mismatched ? prev->second.mismatch_since : now;
    }
  } else if (prev != data.tls.end() && !r.leaf && prev->second.matches_stored) {
    // A failed probe says nothing about drift: keep the last known answer.
    r.matches_stored = prev->second.matches_stored;
    r.mismatch_since = prev->second.mismatch_since;
  }
  data.tls[key] = std::move(r);
}

void ForgetTlsProbeState(StateData& d) {
  d.tls.clear();
  d.sources.erase("tls_probes");
}

}  // namespace certwatch
