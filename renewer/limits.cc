#include "renewer/limits.h"

namespace certwatch::renewer {

void Budget::Expire(TimePoint now) const {
  while (!spent_.empty() && now - spent_.front() >= std::chrono::hours(1)) spent_.pop_front();
}

int Budget::Remaining(TimePoint now) const {
  std::lock_guard lock(mu_);
  Expire(now);
  int left = per_hour_ - static_cast<int>(spent_.size());
  return left > 0 ? left : 0;
}

void Budget::Spend(TimePoint now) {
  std::lock_guard lock(mu_);
  Expire(now);
  spent_.push_back(now);
}

void Cooldowns::Record(const std::string& certificate, TimePoint at) {
  std::lock_guard lock(mu_);
  TimePoint& t = last_[certificate];
  if (at > t) t = at;
}

std::optional<TimePoint> Cooldowns::Last(const std::string& certificate, const StateData& d) const {
  std::optional<TimePoint> out;
  {
    std::lock_guard lock(mu_);
    auto it = last_.find(certificate);
    if (it != last_.end()) out = it->second;
  }
  auto rec = d.renewer_last_action.find(certificate);
  if (rec != d.renewer_last_action.end() && rec->second.at > 0) {
    TimePoint t{std::chrono::seconds(rec->second.at)};
    if (!out || t > *out) out = t;
  }
  return out;
}

}  // namespace certwatch::renewer
