// Real TLS peers for the prober's unit tests: certificates made with the openssl CLI and an
// `openssl s_server` child process on 127.0.0.x, stopped by PID.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace certwatch::testing {

// A scratch directory removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CertFiles {
  std::string cert, key;
};

// A self-signed EC certificate for `cn` (also its DNS SAN), valid from now-1h for `days`.
CertFiles MakeSelfSigned(const TempDir& dir, const std::string& name, const std::string& cn,
                         int days);

// A free TCP port on `host` right now.
int FreePort(const std::string& host);

// Runs a command and waits; returns its exit status (-1 when it could not run).
int RunCommand(const std::vector<std::string>& args);

class SServer {
 public:
  SServer(const std::string& host, int port, const CertFiles& cert,
          const std::vector<std::string>& extra = {});
  ~SServer();
  SServer(const SServer&) = delete;
  SServer& operator=(const SServer&) = delete;
  bool ready() const { return ready_; }
  void Stop();

 private:
  pid_t pid_ = -1;
  bool ready_ = false;
};

// Reads a whole file ("" when missing).
std::string ReadFile(const std::string& path);

}  // namespace certwatch::testing
