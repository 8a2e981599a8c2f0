// One epoll event loop shared by the TLS and DNS probers: file-descriptor readiness callbacks,
// one-shot timers, and a thread-safe Post() for work handed in from other threads. Everything
// registered runs on the loop's thread, so probers need no locks of their own.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace certwatch {

class EventLoop {
 public:
  using Clock = std::chrono::steady_clock;
  using FdCallback = std::function<void(uint32_t epoll_events)>;
  using TimerId = uint64_t;

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Registers (or replaces the interest set and callback of) `fd` with EPOLLIN/EPOLLOUT/...
  // The loop never closes fds; callers remove before closing.
  bool WatchFd(int fd, uint32_t events, FdCallback cb);
  bool ModifyFd(int fd, uint32_t events);
  void RemoveFd(int fd);

  TimerId AddTimer(Clock::time_point when, std::function<void()> cb);
  TimerId AddTimer(Clock::duration after, std::function<void()> cb) {
    return AddTimer(Clock::now() + after, std::move(cb));
  }
  void CancelTimer(TimerId id);

  // Thread-safe: runs `fn` on the loop thread soon.
  void Post(std::function<void()> fn);

  // Runs until Stop() (thread-safe). RunFor returns after `d` or Stop().
  void Run();
  void RunFor(Clock::duration d);
  // Runs until `done()` is true or `d` passes; returns done().
  bool RunUntil(const std::function<bool()>& done, Clock::duration d);
  void Stop();

  size_t watched_fds() const { return fds_.size(); }

 private:
  void RunOnce(int timeout_ms);
  int NextTimeoutMs(Clock::time_point limit) const;

  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::unordered_map<int, FdCallback> fds_;
  std::multimap<Clock::time_point, TimerId> timer_order_;
  std::unordered_map<TimerId, std::pair<Clock::time_point, std::function<void()>>> timers_;
  TimerId next_timer_ = 1;
  std::mutex post_mu_;
  std::vector<std::function<void()>> posted_;
  bool stop_ = false;  // guarded by post_mu_
};

}  // namespace certwatch
