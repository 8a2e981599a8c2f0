// The one shape of certwatch's probers. Every `interval` a round plans its jobs from the state
// store; each job starts at its phase inside the round (a stable hash of its key, the way
// Prometheus spreads scrapes, so 10,000 targets become a steady trickle rather than a burst),
// at most `max_concurrency` run at once, each within its deadline; a job's result is written
// into the store through the batched writer as soon as it is done (a scrape never waits on a
// probe, and the loop never waits for a scrape's read lock). What a round no longer plans
// loses its series when the round starts.
//
// A prober plugs in as a RoundProber: how to plan a round, and how to forget what no job of
// the round owns; each job is one function that runs one probe and reports one Outcome.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "probes/event_loop.h"
#include "state/state.h"
#include "state/state_writer.h"

namespace certwatch {

struct ProbeOutcome {
  bool success = false;
  // Applied on the writer thread; `now` is the time the probe finished.
  std::function<void(StateData& data, UnixSeconds now)> write;
};

struct ProbeJob {
  std::string key;  // stable across rounds: the job's phase and its identity in the store
  // Runs one probe on the loop thread and calls `done` once (never after the prober's
  // CancelAll).
  std::function<void(std::function<void(ProbeOutcome)> done)> start;
  // Past this the job counts as failed with `expired()`'s outcome and a late answer is
  // dropped. Zero: the probe's own deadline is trusted.
  std::chrono::milliseconds deadline{0};
  std::function<ProbeOutcome()> expired;
};

struct SourceHealth {
  bool up = true;
  std::string error;
};

struct RoundPlan {
  std::vector<ProbeJob> jobs;
  // Set when the round cannot be planned (a bad allow-list, an unreadable target): the source
  // is down with this error and nothing is probed.
  std::string error;
  // Applied on the writer thread with the round's start: what the plan itself found (the
  // discovered targets it skipped).
  std::function<void(StateData&)> start_write;
  // Runs on the loop thread once every job of the round has finished: the source's health.
  std::function<SourceHealth()> finish;
};

class RoundProber {
 public:
  virtual ~RoundProber() = default;
  // Under the store's read lock, on the loop thread.
  virtual RoundPlan Plan(const StateData& data, UnixSeconds now) = 0;
  // On the writer thread at the start of a round: drops what belongs to no job in `keys`.
  virtual void Retain(StateData& data, const std::set<std::string>& keys) = 0;
  // On the loop thread when the runner stops: no job calls back after this.
  virtual void CancelAll() = 0;
};

struct RoundOptions {
  std::string source;  // the StateData::sources key
  std::chrono::milliseconds interval{60000};
  int max_concurrency = 1;
  // Whether jobs start at their phase inside the interval, or all at the round's start (DNS:
  // one round's lookups share their answers).
  bool spread = true;
};

class RoundRunner {
 public:
  RoundRunner(EventLoop& loop, StateStore& store, const Clock& clock, RoundOptions options,
              RoundProber& prober);
  ~RoundRunner();
  RoundRunner(const RoundRunner&) = delete;
  RoundRunner& operator=(const RoundRunner&) = delete;

  // Posts the first round onto the loop; returns at once.
  void Start();
  // Tears down on the loop thread and waits for it (bounded), then for the writer.
  void Stop();
  // The same, for callers already on the loop thread (tests driving the loop themselves).
  void StopOnLoop();

  // Rounds whose every result is in the store (any thread).
  uint64_t rounds() const { return rounds_.load(); }

 private:
  struct Round {
    std::set<std::string> pending;  // jobs with no answer yet in this round or a later one
    std::function<SourceHealth()> finish;
  };
  struct Running {
    uint64_t run = 0;  // tells a late answer from the current one
    EventLoop::TimerId deadline = 0;
    // Holds what the probe needs while it runs, even once a new round replaced its job.
    std::function<void(std::function<void(ProbeOutcome)>)> start;
  };

  void StartRound();
  void Enqueue(const std::string& key);
  void Pump();
  void Finish(const std::string& key, uint64_t run, ProbeOutcome outcome);
  // Ends the rounds whose jobs have all answered; posts `write` (may be empty) with them.
  void CompleteRounds(std::function<void(StateData&, UnixSeconds)> write);

  EventLoop& loop_;
  StateStore& store_;
  const Clock& clock_;
  RoundOptions options_;
  RoundProber& prober_;
  DeferredStateWriter writer_{store_};

  // Loop-thread state.
  bool running_ = false;
  bool pumping_ = false;
  uint64_t round_seq_ = 0;
  uint64_t run_seq_ = 0;
  std::map<std::string, ProbeJob> jobs_;  // this round's plan, by key
  std::map<uint64_t, Round> rounds_open_;
  std::map<std::string, Running> in_flight_;
  std::deque<std::string> queue_;
  std::set<std::string> queued_;
  std::vector<EventLoop::TimerId> phase_timers_;
  EventLoop::TimerId round_timer_ = 0;
  bool synced_ = false;
  bool up_ = true;

  std::atomic<uint64_t> rounds_{0};
  std::atomic<bool> started_{false};
  std::atomic<bool> stopped_{false};
};

}  // namespace certwatch
