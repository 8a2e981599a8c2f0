#include "probes/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace certwatch {

EventLoop::EventLoop() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) throw std::runtime_error("event loop: epoll/eventfd failed");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
}

EventLoop::~EventLoop() {
  if (wake_fd_ >= 0) close(wake_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

bool EventLoop::WatchFd(int fd, uint32_t events, FdCallback cb) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  bool known = fds_.count(fd) > 0;
  if (epoll_ctl(epoll_fd_, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0) return false;
  fds_[fd] = std::move(cb);
  return true;
}

bool EventLoop::ModifyFd(int fd, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) == 0;
}

void EventLoop::RemoveFd(int fd) {
  if (fds_.erase(fd) > 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

EventLoop::TimerId EventLoop::AddTimer(Clock::time_point when, std::function<void()> cb) {
  TimerId id = next_timer_++;
  timers_.emplace(id, std::make_pair(when, std::move(cb)));
  timer_order_.emplace(when, id);
  return id;
}

void EventLoop::CancelTimer(TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  auto range = timer_order_.equal_range(it->second.first);
  for (auto o = range.first; o != range.second; ++o) {
    if (o->second == id) {
      timer_order_.erase(o);
      break;
    }
  }
  timers_.erase(it);
}

void EventLoop::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(post_mu_);
    posted_.push_back(std::move(fn));
  }
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof one);
}

void EventLoop::Stop() {
  {
    std::lock_guard<std::mutex> lock(post_mu_);
    stop_ = true;
  }
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof one);
}

int EventLoop::NextTimeoutMs(Clock::time_point limit) const {
  Clock::time_point next = limit;
  if (!timer_order_.empty() && timer_order_.begin()->first < next) {
    next = timer_order_.begin()->first;
  }
  auto now = Clock::now();
  if (next <= now) return 0;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count() + 1;
  return ms > 1000 ? 1000 : static_cast<int>(ms);
}

void EventLoop::RunOnce(int timeout_ms) {
  epoll_event events[256];
  int n = epoll_wait(epoll_fd_, events, 256, timeout_ms);
  if (n < 0 && errno != EINTR) throw std::runtime_error("event loop: epoll_wait failed");
  for (int i = 0; i < n; ++i) {
    int fd = events[i].data.fd;
    if (fd == wake_fd_) {
      uint64_t v;
      [[maybe_unused]] ssize_t r = read(wake_fd_, &v, sizeof v);
      continue;
    }
    auto it = fds_.find(fd);
    if (it == fds_.end()) continue;  // removed by an earlier callback in this batch
    FdCallback cb = it->second;      // copy: the callback may remove or replace itself
    cb(events[i].events);
  }
  std::vector<std::function<void()>> posted;
  {
    std::lock_guard<std::mutex> lock(post_mu_);
    posted.swap(posted_);
  }
  for (auto& fn : posted) fn();
  auto now = Clock::now();
  while (!timer_order_.empty() && timer_order_.begin()->first <= now) {
    TimerId id = timer_order_.begin()->second;
    timer_order_.erase(timer_order_.begin());
    auto it = timers_.find(id);
    if (it == timers_.end()) continue;
    auto cb = std::move(it->second.second);
    timers_.erase(it);
    cb();
  }
}

void EventLoop::Run() {
  while (true) {
    {
      std::lock_guard<std::mutex> lock(post_mu_);
      if (stop_) {
        stop_ = false;
        return;
      }
    }
    RunOnce(NextTimeoutMs(Clock::now() + std::chrono::seconds(1)));
  }
}

void EventLoop::RunFor(Clock::duration d) {
  RunUntil([] { return false; }, d);
}

bool EventLoop::RunUntil(const std::function<bool()>& done, Clock::duration d) {
  auto deadline = Clock::now() + d;
  while (!done()) {
    {
      std::lock_guard<std::mutex> lock(post_mu_);
      if (stop_) {
        stop_ = false;
        return done();
      }
    }
    auto now = Clock::now();
    if (now >= deadline) break;
    RunOnce(NextTimeoutMs(deadline));
  }
  return done();
}

}  // namespace certwatch
