// The one thread that runs the probers' shared EventLoop. The TLS and DNS schedulers are
// Sources that post their work onto this loop; this object starts it first and stops it last.
#pragma once

#include <thread>

#include "probes/event_loop.h"
#include "state/source.h"

namespace certwatch {

class LoopThread final : public Source {
 public:
  LoopThread() = default;
  ~LoopThread() override { Stop(); }
  std::string_view Name() const override { return "probe_loop"; }
  void Start() override {
    if (!thread_.joinable()) thread_ = std::thread([this] { loop_.Run(); });
  }
  void Stop() override {
    if (thread_.joinable()) {
      loop_.Stop();
      thread_.join();
    }
  }
  void Forget(StateData&) const override {}  // it writes no state
  EventLoop& loop() { return loop_; }

 private:
  EventLoop loop_;
  std::thread thread_;
};

}  // namespace certwatch
