// The round runner with a prober whose probes answer on timers of the real event loop:
// phases, concurrency, deadlines, late answers, dropped jobs, sync and stop.
#include "probes/round_runner.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "common/clock.h"

namespace certwatch {
namespace {

using namespace std::chrono_literals;

// Each job writes "<key>" -> its answer count into StateData::acme_rate_limit_errors (a plain
// string -> number map, enough to see what the runner wrote and when).
class FakeProber final : public RoundProber {
 public:
  explicit FakeProber(EventLoop& loop) : loop_(loop) {}

  RoundPlan Plan(const StateData&, UnixSeconds) override {
    ++plans;
    RoundPlan plan;
    plan.error = plan_error;
    for (const auto& key : keys) {
      ProbeJob job;
      job.key = key;
      job.deadline = deadline;
      job.start = [this, key](std::function<void(ProbeOutcome)> done) {
        ++started[key];
        ++in_flight;
        max_in_flight = std::max(max_in_flight, in_flight);
        pending_answers[key] = done;
        if (silent.count(key)) return;  // answers only when the test says so
        auto answer = [this, key, done] {
          --in_flight;
          done(ProbeOutcome{true,
                            [key](StateData& d, UnixSeconds) { ++d.acme_rate_limit_errors[key]; }});
        };
        if (answer_at_once) {
          answer();
        } else {
          timers.push_back(loop_.AddTimer(answer_after, answer));
        }
      };
      job.expired = [key] {
        return ProbeOutcome{false, [key](StateData& d, UnixSeconds) {
                              d.acme_rate_limit_errors[key + ":expired"] = 1;
                            }};
      };
      plan.jobs.push_back(std::move(job));
    }
    plan.finish = [this] {
      ++finished;
      return health;
    };
    return plan;
  }
  void Retain(StateData& d, const std::set<std::string>& kept) override {
    for (auto it = d.acme_rate_limit_errors.begin(); it != d.acme_rate_limit_errors.end();) {
      std::string key = it->first.substr(0, it->first.find(':'));
      it = kept.count(key) ? std::next(it) : d.acme_rate_limit_errors.erase(it);
    }
  }
  void CancelAll() override {
    ++cancels;
    for (auto t : timers) loop_.CancelTimer(t);
    timers.clear();
  }

  EventLoop& loop_;
  std::vector<std::string> keys;
  std::string plan_error;
  std::set<std::string> silent;
  bool answer_at_once = false;
  std::chrono::milliseconds answer_after{5};
  std::chrono::milliseconds deadline{0};
  SourceHealth health;
  std::map<std::string, int> started;
  std::map<std::string, std::function<void(ProbeOutcome)>> pending_answers;
  int in_flight = 0, max_in_flight = 0, plans = 0, finished = 0, cancels = 0;
  std::vector<EventLoop::TimerId> timers;
};

class RoundRunnerTest : public ::testing::Test {
 protected:
  void Make(RoundOptions options) {
    runner = std::make_unique<RoundRunner>(loop, store, clock, std::move(options), prober);
  }
  bool WaitRounds(uint64_t n) {
    return loop.RunUntil([&] { return runner->rounds() >= n; }, 10s);
  }
  int64_t Written(const std::string& key) {
    return store.Read([&](const StateData& d) -> int64_t {
      auto it = d.acme_rate_limit_errors.find(key);
      return it == d.acme_rate_limit_errors.end() ? 0 : static_cast<int64_t>(it->second);
    });
  }
  // Stops, then waits for every write the runner posted (its writer drains when it goes).
  void StopAndDrain() {
    runner->StopOnLoop();
    runner.reset();
  }
  void TearDown() override {
    if (runner) runner->StopOnLoop();
  }

  EventLoop loop;
  StateStore store;
  FakeClock clock{1700000000};
  FakeProber prober{loop};
  std::unique_ptr<RoundRunner> runner;
};

TEST_F(RoundRunnerTest, EveryJobOncePerRoundWithinTheConcurrencyLimit) {
  for (int i = 0; i < 12; ++i) prober.keys.push_back("job-" + std::to_string(i));
  Make({"fake", 200ms, 3, true});
  runner->Start();
  ASSERT_TRUE(WaitRounds(2));
  // A job still running when the next round reaches it is not started twice: one answer
  // serves both rounds. So on a slow machine (valgrind) two rounds may complete before every
  // job has run twice; wait for that by the jobs themselves.
  ASSERT_TRUE(loop.RunUntil(
      [&] {
        for (const auto& key : prober.keys) {
          if (prober.started[key] < 2) return false;
        }
        return prober.in_flight == 0;
      },
      10s));
  StopAndDrain();
  for (const auto& key : prober.keys) {
    EXPECT_GE(prober.started[key], 2) << key;
    EXPECT_GE(Written(key), 2) << key;
  }
  EXPECT_LE(prober.max_in_flight, 3);
  EXPECT_GE(prober.finished, 2);
  EXPECT_EQ(prober.cancels, 1);
  store.Read([](const StateData& d) {
    EXPECT_TRUE(d.sources.at("fake").up);
    EXPECT_TRUE(d.sources.at("fake").synced);
    return 0;
  });
}

TEST_F(RoundRunnerTest, SpreadJobsStartAtTheirPhaseNotAllAtOnce) {
  for (int i = 0; i < 40; ++i) prober.keys.push_back("t" + std::to_string(i));
  Make({"fake", 1000ms, 100, true});
  runner->Start();
  loop.RunFor(150ms);
  // Phases are spread over the second: after 15% of it, far from every job has started.
  size_t started = prober.started.size();
  EXPECT_GT(started, 0u);
  EXPECT_LT(started, 30u);
  ASSERT_TRUE(WaitRounds(1));
  EXPECT_EQ(prober.started.size(), 40u);
}

TEST_F(RoundRunnerTest, UnspreadJobsAllStartWithTheRound) {
  for (int i = 0; i < 40; ++i) prober.keys.push_back("t" + std::to_string(i));
  Make({"fake", 1000ms, 100, false});
  runner->Start();
  loop.RunFor(20ms);
  EXPECT_EQ(prober.started.size(), 40u);
}

TEST_F(RoundRunnerTest, AJobPastItsDeadlineReportsExpiredAndItsLateAnswerIsDropped) {
  prober.keys = {"slow", "fast"};
  prober.silent = {"slow"};
  prober.deadline = 50ms;
  Make({"fake", 10s, 4, false});
  runner->Start();
  ASSERT_TRUE(WaitRounds(1));
  EXPECT_EQ(Written("slow:expired"), 1);
  EXPECT_EQ(Written("fast"), 1);
  // The probe answers after all: the runner has moved on.
  ASSERT_TRUE(prober.pending_answers.count("slow"));
  prober.pending_answers["slow"](
      ProbeOutcome{true, [](StateData& d, UnixSeconds) { d.acme_rate_limit_errors["slow"] = 99; }});
  StopAndDrain();
  EXPECT_EQ(Written("slow"), 0);
}

TEST_F(RoundRunnerTest, AJobTheNextRoundDropsLosesItsSeriesAndCannotBringThemBack) {
  prober.keys = {"stays", "goes"};
  Make({"fake", 100ms, 4, false});
  runner->Start();
  ASSERT_TRUE(WaitRounds(1));
  EXPECT_GE(Written("goes"), 1);
  prober.keys = {"stays"};
  prober.answer_after = 30ms;
  ASSERT_TRUE(WaitRounds(runner->rounds() + 3));
  EXPECT_EQ(Written("goes"), 0);
  EXPECT_GE(Written("stays"), 2);
}

TEST_F(RoundRunnerTest, AnAnswerForAJobDroppedWhileItRanIsNotWritten) {
  prober.keys = {"stays", "goes"};
  prober.answer_after = 150ms;  // longer than the interval: "goes" is running when dropped
  Make({"fake", 100ms, 4, false});
  runner->Start();
  loop.RunFor(50ms);
  ASSERT_EQ(prober.started["goes"], 1);
  prober.keys = {"stays"};
  ASSERT_TRUE(WaitRounds(2));
  loop.RunFor(200ms);  // past the dropped job's answer
  StopAndDrain();
  EXPECT_EQ(Written("goes"), 0);
  EXPECT_GE(Written("stays"), 1);
}

TEST_F(RoundRunnerTest, RoundsCountOnlyWhatIsInTheStore) {
  prober.keys = {"a", "b", "c"};
  Make({"fake", 10s, 1, false});
  runner->Start();
  ASSERT_TRUE(WaitRounds(1));
  // The moment rounds() says 1, every job's write is visible.
  EXPECT_EQ(Written("a"), 1);
  EXPECT_EQ(Written("b"), 1);
  EXPECT_EQ(Written("c"), 1);
}

TEST_F(RoundRunnerTest, ProbesThatAnswerAtOnceStillRespectTheLimit) {
  for (int i = 0; i < 10; ++i) prober.keys.push_back("k" + std::to_string(i));
  prober.answer_at_once = true;
  Make({"fake", 10s, 2, false});
  runner->Start();
  ASSERT_TRUE(WaitRounds(1));
  EXPECT_EQ(prober.started.size(), 10u);
  EXPECT_LE(prober.max_in_flight, 2);
}

TEST_F(RoundRunnerTest, NoJobsIsASyncedRound) {
  Make({"fake", 10s, 1, true});
  runner->Start();
  ASSERT_TRUE(WaitRounds(1));
  store.Read([](const StateData& d) {
    EXPECT_TRUE(d.sources.at("fake").synced);
    return 0;
  });
}

TEST_F(RoundRunnerTest, APlanErrorMarksTheSourceDownAndProbesNothing) {
  prober.keys = {"a"};
  prober.plan_error = "allowed_cidrs: bad network";
  Make({"fake", 50ms, 1, false});
  runner->Start();
  loop.RunFor(200ms);
  EXPECT_EQ(runner->rounds(), 0u);
  StopAndDrain();
  EXPECT_TRUE(prober.started.empty());
  store.Read([](const StateData& d) {
    const auto& s = d.sources.at("fake");
    EXPECT_FALSE(s.up);
    EXPECT_EQ(s.last_error, "allowed_cidrs: bad network");
    return 0;
  });
}

TEST_F(RoundRunnerTest, TheFinishedRoundsHealthIsTheSources) {
  prober.keys = {"a"};
  prober.health = {false, "no resolver answered any of 1 queries"};
  Make({"fake", 10s, 1, false});
  runner->Start();
  ASSERT_TRUE(WaitRounds(1));
  store.Read([](const StateData& d) {
    const auto& s = d.sources.at("fake");
    EXPECT_FALSE(s.up);
    EXPECT_TRUE(s.synced);
    EXPECT_EQ(s.last_error, "no resolver answered any of 1 queries");
    return 0;
  });
}

TEST_F(RoundRunnerTest, StopCancelsTheProbesAndNothingAnswersAfter) {
  prober.keys = {"a", "b"};
  prober.answer_after = 200ms;
  Make({"fake", 10s, 2, false});
  runner->Start();
  loop.RunFor(20ms);
  EXPECT_EQ(prober.started.size(), 2u);
  runner->StopOnLoop();
  EXPECT_EQ(prober.cancels, 1);
  loop.RunFor(300ms);
  EXPECT_EQ(runner->rounds(), 0u);
  runner.reset();
  EXPECT_EQ(Written("a"), 0);
}

}  // namespace
}  // namespace certwatch
