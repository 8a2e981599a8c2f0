#include "exporter/files/files_source.h"

#include <glob.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <set>

#include "exporter/files/cert_file.h"
#include "state/keys.h"

namespace certwatch {
namespace {

// Certificates and kubeconfigs are small; anything bigger is not one (and not read whole).
constexpr off_t kMaxFileBytes = 4 * 1024 * 1024;

std::string DirName(const std::string& pattern) {
  auto slash = pattern.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return pattern.substr(0, slash);
}

bool HasGlobChars(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

// Reads at most `max` bytes of `path` into `out` (one buffer, so the caller can wipe it).
bool ReadWhole(const std::string& path, size_t max, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.resize(max);
  in.read(out.data(), static_cast<std::streamsize>(max));
  out.resize(static_cast<size_t>(in.gcount()));
  return !in.bad();
}

// A keystore password: the first line of its file (without the line break), as
// `openssl -passin file:` and keytool's `-storepass:file` read it.
constexpr size_t kMaxPasswordFileBytes = 64 * 1024;

}  // namespace

FilesSource::FilesSource(FilesSourceOptions options, StateStore& store, const Logger& logger,
                         const Clock& clock)
    : options_(std::move(options)),
      store_(store),
      logger_(logger.With("source", "files")),
      clock_(clock) {}

FilesSource::~FilesSource() { Stop(); }

void FilesSource::Start() {
  if (thread_.joinable()) return;
  stop_ = false;
  inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (inotify_fd_ < 0) logger_.Warn("inotify unavailable; relying on periodic rescans");
  WatchDirectories();
  ScanOnce();
  thread_ = std::thread([this] { Run(); });
}

void FilesSource::Stop() {
  if (thread_.joinable()) {
    stop_ = true;
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof one);
    thread_.join();
  }
  if (inotify_fd_ >= 0) close(inotify_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
  inotify_fd_ = wake_fd_ = -1;
  watches_.clear();
}

void FilesSource::WatchDirectories() {
  if (inotify_fd_ < 0) return;
  std::set<std::string> dirs;
  for (const auto& f : options_.files) {
    std::string dir = DirName(options_.root + f.path);
    if (!HasGlobChars(dir)) dirs.insert(dir);
  }
  for (const auto& d : dirs) {
    int wd = inotify_add_watch(
        inotify_fd_, d.c_str(),
        IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB);
    if (wd >= 0) watches_[wd] = d;
  }
}

void FilesSource::Run() {
  auto interval_ms = std::max<int64_t>(options_.rescan_interval.count(), 100);
  auto next_scan = std::chrono::steady_clock::now() + std::chrono::milliseconds(interval_ms);
  while (!stop_) {
    auto now = std::chrono::steady_clock::now();
    int timeout = static_cast<int>(std::max<int64_t>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(next_scan - now).count()));
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
    int n = poll(fds, inotify_fd_ >= 0 ? 2 : 1, timeout);
    if (stop_) break;
    bool changed = false;
    if (n > 0 && inotify_fd_ >= 0 && (fds[1].revents & POLLIN)) {
      alignas(inotify_event) char buf[8192];
      while (read(inotify_fd_, buf, sizeof buf) > 0) changed = true;
      // Editors and kubeadm write via rename; let the burst settle before reading.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      while (read(inotify_fd_, buf, sizeof buf) > 0) {
      }
    }
    if (changed || std::chrono::steady_clock::now() >= next_scan) {
      ScanOnce();
      next_scan = std::chrono::steady_clock::now() + std::chrono::milliseconds(interval_ms);
    }
  }
}

void FilesSource::ScanOnce() {
  // Each path with the first files entry that matches it.
  std::map<std::string, const FileSourceConfig*> present;
  std::vector<std::string> glob_errors;
  for (const auto& spec : options_.files) {
    std::string full = options_.root + spec.path;
    glob_t g{};
    int rc = glob(full.c_str(), GLOB_NOSORT, nullptr, &g);
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) present.try_emplace(g.gl_pathv[i], &spec);
    } else if (rc != GLOB_NOMATCH) {
      glob_errors.push_back(full);
    }
    globfree(&g);
  }
  std::erase_if(present, [this](const auto& p) { return !options_.shard.Owns(p.first); });

  for (const auto& [path, spec] : present) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    FileStamp stamp{st.st_ino, st.st_size,
                    static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
    auto it = seen_.find(path);
    if (it != seen_.end() && it->second == stamp) continue;
    ReadFile(path, stamp, *spec);
  }
  // Files that vanished: drop their certificates and errors.
  std::vector<std::string> gone;
  for (const auto& [path, stamp] : seen_) {
    if (!present.count(path)) gone.push_back(path);
  }
  for (const auto& path : gone) seen_.erase(path);
  auto now = static_cast<UnixSeconds>(clock_.NowSeconds());
  store_.Update([&](StateData& d) {
    for (const auto& path : gone) {
      d.file_errors.erase(FileErrorKey(path));
      auto old = PrefixRange(d.files, FileKeyPrefix(path));
      d.files.erase(old.begin(), old.end());
    }
    SourceStatus& s = d.sources["files"];
    s.synced = true;
    s.up = glob_errors.empty();
    if (s.up) {
      s.last_sync = now;
      s.last_error.clear();
    } else {
      ++s.errors_total;
      s.last_error = "glob failed: " + glob_errors.front();
    }
  });
}

void FilesSource::ReadFile(const std::string& path, const FileStamp& stamp,
                           const FileSourceConfig& spec) {
  FileRead read;
  std::string data;
  if (stamp.size > kMaxFileBytes) {
    read.error = "file larger than 4 MiB";
  } else if (!ReadWhole(path, static_cast<size_t>(stamp.size) + 1, data)) {
    read.error = "cannot open";
  } else if (IsKeystore(data, spec.format) && !spec.password_file.empty()) {
    // The password lives only in this buffer, for this one parse, and is wiped after it.
    std::string password;
    if (!ReadWhole(spec.password_file, kMaxPasswordFileBytes, password)) {
      read.error = "password_file " + spec.password_file + ": cannot open";
      read.reason = "missing_password";
    } else {
      size_t eol = password.find_first_of("\r\n");
      read = ReadCertFileData(data, DirName(path), spec.format,
                              std::string_view(password).substr(0, eol));
    }
    OPENSSL_cleanse(password.data(), password.size());
  } else {
    read = ReadCertFileData(data, DirName(path), spec.format, std::nullopt);
  }
  // Keystores hold encrypted private keys, PEM files may hold plain ones.
  OPENSSL_cleanse(data.data(), data.size());
  seen_[path] = stamp;
  store_.Update([&](StateData& d) {
    auto old = PrefixRange(d.files, FileKeyPrefix(path));
    d.files.erase(old.begin(), old.end());
    if (!read.error.empty()) {
      d.file_errors[FileErrorKey(path)] = FileError{path, read.error, read.reason};
      ++d.sources["files"].errors_total;
    } else {
      d.file_errors.erase(FileErrorKey(path));
    }
    int index = 0;
    for (auto& found : read.certs) {
      d.files[FileKey(path, index++)] = FileCertState{.path = path,
                                                      .where = found.where,
                                                      .facts = std::move(found.facts),
                                                      .keystore = found.keystore,
                                                      .alias = std::move(found.alias)};
    }
  });
  if (!read.error.empty()) {
    logger_.Warn("cannot read certificate file",
                 {{"path", path}, {"reason", read.reason}, {"err", read.error}});
  } else {
    logger_.Debug("read certificate file",
                  {{"path", path}, {"certificates", std::to_string(read.certs.size())}});
  }
}

void FilesSource::Forget(StateData& d) const {
  d.files.clear();
  d.file_errors.clear();
  d.sources.erase("files");
}

}  // namespace certwatch
