// The shared probe event loop: fd readiness, timers in order, cancellation, cross-thread Post.
#include "probes/event_loop.h"

#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <thread>
#include <vector>

namespace certwatch {
namespace {

using namespace std::chrono_literals;

TEST(EventLoop, TimersFireInOrderAndCancelledOnesDoNot) {
  EventLoop loop;
  std::vector<int> fired;
  loop.AddTimer(30ms, [&] { fired.push_back(3); });
  loop.AddTimer(10ms, [&] { fired.push_back(1); });
  auto id = loop.AddTimer(20ms, [&] { fired.push_back(2); });
  loop.CancelTimer(id);
  EXPECT_TRUE(loop.RunUntil([&] { return fired.size() == 2; }, 2s));
  EXPECT_EQ(fired, (std::vector<int>{1, 3}));
}

TEST(EventLoop, FdReadinessAndRemovalFromCallback) {
  EventLoop loop;
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  int reads = 0;
  ASSERT_TRUE(loop.WatchFd(p[0], EPOLLIN, [&](uint32_t ev) {
    EXPECT_TRUE(ev & EPOLLIN);
    char c;
    ASSERT_EQ(read(p[0], &c, 1), 1);
    ++reads;
    loop.RemoveFd(p[0]);  // removing itself inside its callback is allowed
  }));
  ASSERT_EQ(write(p[1], "xy", 2), 2);
  EXPECT_TRUE(loop.RunUntil([&] { return reads == 1; }, 2s));
  loop.RunFor(50ms);  // a second byte is pending but the fd is no longer watched
  EXPECT_EQ(reads, 1);
  EXPECT_EQ(loop.watched_fds(), 0u);
  close(p[0]);
  close(p[1]);
}

TEST(EventLoop, PostFromAnotherThreadAndStop) {
  EventLoop loop;
  int ran = 0;
  std::thread t([&] {
    for (int i = 0; i < 100; ++i) loop.Post([&] { ++ran; });
    loop.Post([&] { loop.Stop(); });
  });
  loop.Run();  // returns once the Stop posted last has run
  t.join();
  EXPECT_EQ(ran, 100);
}

}  // namespace
}  // namespace certwatch
