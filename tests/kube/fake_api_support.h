// The fake Kubernetes API server (tests/fakes/kube_api.py) as a child process for C++ tests:
// started on a free port, controlled over its /_fake/ API, stopped by PID.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace certwatch::testing {

class FakeKubeApi {
 public:
  explicit FakeKubeApi(std::vector<std::string> extra_args = {});
  ~FakeKubeApi();
  FakeKubeApi(const FakeKubeApi&) = delete;
  FakeKubeApi& operator=(const FakeKubeApi&) = delete;

  const std::string& url() const { return url_; }
  const std::string& dir() const { return dir_; }
  // A kubeconfig file pointing at the server (plain HTTP, optional token).
  std::string WriteKubeconfig(const std::string& token = "") const;
  // POST/DELETE/GET /_fake/<what> with a JSON body; returns the answer body ("" on failure).
  std::string Control(const std::string& method, const std::string& what,
                      const std::string& body = "") const;
  std::string Apply(const std::string& json_objects) const {
    return Control("POST", "objects", json_objects);
  }
  void Stop();

 private:
  pid_t pid_ = -1;
  std::string dir_, url_;
};

// The value of one exact series (name and labels as exposed) in an exposition text, or
// nullopt when absent.
inline std::optional<double> SeriesValue(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

// Polls `pred` every 20 ms until true or `seconds` pass.
template <typename F>
bool WaitFor(F&& pred, double seconds = 20) {
  for (int i = 0; i < static_cast<int>(seconds * 50); ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

}  // namespace certwatch::testing
