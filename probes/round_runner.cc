#include "probes/round_runner.h"

#include <algorithm>
#include <future>
#include <utility>

namespace certwatch {
namespace {

// FNV-1a: a stable phase per job across restarts and replicas.
uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

RoundRunner::RoundRunner(EventLoop& loop, StateStore& store, const Clock& clock,
                         RoundOptions options, RoundProber& prober)
    : loop_(loop), store_(store), clock_(clock), options_(std::move(options)), prober_(prober) {}

RoundRunner::~RoundRunner() {
  if (started_ && !stopped_) Stop();
}

void RoundRunner::Start() {
  if (started_.exchange(true)) return;
  loop_.Post([this] {
    if (stopped_) return;
    running_ = true;
    StartRound();
  });
}

void RoundRunner::Stop() {
  if (!started_ || stopped_) return;
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  loop_.Post([this, done] {
    StopOnLoop();
    done->set_value();
  });
  // The loop thread stops after the probers; if it is already gone nothing runs on it.
  fut.wait_for(std::chrono::seconds(10));
  stopped_ = true;
  writer_.Flush();
}

void RoundRunner::StopOnLoop() {
  stopped_ = true;
  running_ = false;
  for (auto t : phase_timers_) loop_.CancelTimer(t);
  phase_timers_.clear();
  if (round_timer_) loop_.CancelTimer(round_timer_);
  round_timer_ = 0;
  for (auto& [key, r] : in_flight_) {
    if (r.deadline) loop_.CancelTimer(r.deadline);
  }
  prober_.CancelAll();
  in_flight_.clear();
  queue_.clear();
  queued_.clear();
}

void RoundRunner::StartRound() {
  round_timer_ = 0;
  if (!running_) return;
  const auto round_start = EventLoop::Clock::now();
  round_timer_ = loop_.AddTimer(round_start + options_.interval, [this] { StartRound(); });
  for (auto t : phase_timers_) loop_.CancelTimer(t);
  phase_timers_.clear();

  const UnixSeconds now = static_cast<UnixSeconds>(clock_.NowSeconds());
  RoundPlan plan;
  store_.Read([&](const StateData& data) {
    plan = prober_.Plan(data, now);
    return 0;
  });
  if (!plan.error.empty()) {
    up_ = false;
    writer_.Post([source = options_.source, now, error = plan.error](StateData& d) {
      SetSourceStatus(d, source, false, false, now, error);
    });
    return;
  }

  jobs_.clear();
  std::set<std::string> keys;
  for (auto& job : plan.jobs) {
    keys.insert(job.key);
    std::string key = job.key;
    jobs_.insert_or_assign(std::move(key), std::move(job));
  }
  // Rounds still open wait no longer for jobs this round dropped.
  for (auto& [seq, round] : rounds_open_) {
    for (auto it = round.pending.begin(); it != round.pending.end();) {
      it = keys.count(*it) ? std::next(it) : round.pending.erase(it);
    }
  }
  const uint64_t seq = ++round_seq_;
  rounds_open_[seq] = Round{keys, std::move(plan.finish)};
  // Through the writer, so that a result still queued for a job that is gone cannot bring its
  // series back.
  writer_.Post([this, keys, now, up = up_, synced = synced_,
                start_write = std::move(plan.start_write)](StateData& d) {
    prober_.Retain(d, keys);
    if (start_write) start_write(d);
    if (up) SetSourceStatus(d, options_.source, true, synced, now);
  });
  CompleteRounds(nullptr);

  const auto interval_ms = options_.interval.count();
  for (const auto& key : keys) {
    if (!options_.spread || interval_ms <= 0) {
      Enqueue(key);
      continue;
    }
    auto phase = std::chrono::milliseconds(static_cast<int64_t>(Fnv1a(key) % interval_ms));
    phase_timers_.push_back(loop_.AddTimer(round_start + phase, [this, key] { Enqueue(key); }));
  }
}

void RoundRunner::Enqueue(const std::string& key) {
  // A job still running from the last round answers for this one too.
  if (!running_ || in_flight_.count(key) || !queued_.insert(key).second) return;
  queue_.push_back(key);
  Pump();
}

void RoundRunner::Pump() {
  if (pumping_) return;  // a probe that answered at once: the loop below goes on
  pumping_ = true;
  const size_t limit = static_cast<size_t>(std::max(1, options_.max_concurrency));
  while (running_ && in_flight_.size() < limit && !queue_.empty()) {
    std::string key = std::move(queue_.front());
    queue_.pop_front();
    queued_.erase(key);
    auto it = jobs_.find(key);
    if (it == jobs_.end()) continue;
    const uint64_t run = ++run_seq_;
    Running& r = in_flight_[key];
    r.run = run;
    if (it->second.deadline.count() > 0) {
      r.deadline = loop_.AddTimer(it->second.deadline, [this, key, run] {
        auto job = jobs_.find(key);
        ProbeOutcome expired;
        if (job != jobs_.end() && job->second.expired) expired = job->second.expired();
        Finish(key, run, std::move(expired));
      });
    }
    r.start = it->second.start;
    auto start = r.start;  // `r` goes when the probe answers at once
    start([this, key, run](ProbeOutcome outcome) { Finish(key, run, std::move(outcome)); });
  }
  pumping_ = false;
}

void RoundRunner::Finish(const std::string& key, uint64_t run, ProbeOutcome outcome) {
  auto it = in_flight_.find(key);
  if (it == in_flight_.end() || it->second.run != run) return;  // late, or cancelled
  if (it->second.deadline) loop_.CancelTimer(it->second.deadline);
  in_flight_.erase(it);
  std::function<void(StateData&, UnixSeconds)> write;
  // A job the current round no longer plans keeps its series gone.
  if (jobs_.count(key) && outcome.write) write = std::move(outcome.write);
  for (auto& [seq, round] : rounds_open_) round.pending.erase(key);
  CompleteRounds(std::move(write));
  if (running_) Pump();
}

void RoundRunner::CompleteRounds(std::function<void(StateData&, UnixSeconds)> write) {
  // Rounds end in order: an older round is done once a newer one's jobs are.
  uint64_t completed = 0;
  std::function<SourceHealth()> finish;
  while (!rounds_open_.empty() && rounds_open_.begin()->second.pending.empty()) {
    if (rounds_open_.begin()->second.finish) finish = rounds_open_.begin()->second.finish;
    rounds_open_.erase(rounds_open_.begin());
    ++completed;
  }
  if (!write && completed == 0) return;
  SourceHealth health;
  if (completed > 0) {
    if (finish) health = finish();
    synced_ = true;
    up_ = health.up;
  }
  const UnixSeconds now = static_cast<UnixSeconds>(clock_.NowSeconds());
  // The round's last result and its end land in one update, so no reader sees the result
  // without the source synced, and rounds() counts only what is in the store.
  writer_.Post([this, write = std::move(write), completed, health = std::move(health),
                now](StateData& d) mutable {
    if (write) write(d, now);
    if (completed == 0) return;
    SetSourceStatus(d, options_.source, health.up, true, now, std::move(health.error));
    rounds_ += completed;
  });
}

}  // namespace certwatch
