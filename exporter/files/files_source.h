// The `files` source: certificates on disk (PEM/DER files, kubeconfigs, PKCS#12 and JKS
// keystores) found by glob,
// re-read when they change. inotify on each pattern's directory wakes it at once; a periodic
// rescan (mtime, size, inode) catches what inotify cannot see (new directories, NFS).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "common/shard.h"
#include "config/config.h"
#include "state/source.h"
#include "state/state.h"

namespace certwatch {

struct FilesSourceOptions {
  // Globs, each with its format and keystore password file (a path two globs match is read
  // as the first one says).
  std::vector<FileSourceConfig> files;
  Duration rescan_interval = std::chrono::seconds(60);
  std::string root;  // prefix for every pattern (tests, containers mounting the host at /host)
  Shard shard;
};

class FilesSource final : public Source {
 public:
  FilesSource(FilesSourceOptions options, StateStore& store, const Logger& logger,
              const Clock& clock);
  ~FilesSource() override;
  std::string_view Name() const override { return "files"; }
  void Start() override;
  void Stop() override;
  void Forget(StateData& data) const override;

  // One scan: glob, re-read changed files, drop vanished ones. Public for tests.
  void ScanOnce();

 private:
  struct FileStamp {
    ino_t inode = 0;
    off_t size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const FileStamp&) const = default;
  };
  void Run();
  void WatchDirectories();
  void ReadFile(const std::string& path, const FileStamp& stamp, const FileSourceConfig& spec);

  FilesSourceOptions options_;
  StateStore& store_;
  Logger logger_;
  const Clock& clock_;
  std::map<std::string, FileStamp> seen_;
  int inotify_fd_ = -1;
  int wake_fd_ = -1;
  std::map<int, std::string> watches_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

}  // namespace certwatch
