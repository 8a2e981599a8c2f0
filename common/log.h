// Structured logging in logfmt or JSON (--log.format), filtered by level (--log.level).
// One Logger is built in main and passed by reference; it is thread-safe.
#pragma once

#include <initializer_list>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"

namespace certwatch {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat { kLogfmt, kJson };

Result<LogLevel> ParseLogLevel(std::string_view s);
Result<LogFormat> ParseLogFormat(std::string_view s);

using LogField = std::pair<std::string_view, std::string>;

class Logger {
 public:
  // Writes to `out` (std::cerr in main). `component` becomes a field on every line.
  explicit Logger(std::ostream& out, LogLevel level = LogLevel::kInfo,
                  LogFormat format = LogFormat::kLogfmt);

  // A logger sharing the sink, with one more fixed field (component=...).
  Logger With(std::string_view key, std::string value) const;

  void Log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields = {}) const;
  void Debug(std::string_view msg, std::initializer_list<LogField> fields = {}) const {
    Log(LogLevel::kDebug, msg, fields);
  }
  void Info(std::string_view msg, std::initializer_list<LogField> fields = {}) const {
    Log(LogLevel::kInfo, msg, fields);
  }
  void Warn(std::string_view msg, std::initializer_list<LogField> fields = {}) const {
    Log(LogLevel::kWarn, msg, fields);
  }
  void Error(std::string_view msg, std::initializer_list<LogField> fields = {}) const {
    Log(LogLevel::kError, msg, fields);
  }
  bool Enabled(LogLevel level) const { return level >= level_; }

 private:
  struct Sink {
    std::ostream* out = nullptr;
    std::mutex mu;
  };
  Logger(std::shared_ptr<Sink> sink, LogLevel level, LogFormat format, std::string fixed);

  std::shared_ptr<Sink> sink_;
  LogLevel level_;
  LogFormat format_;
  std::string fixed_;  // pre-rendered fixed fields
};

// A logger that discards everything (tests, one-shot commands).
Logger NullLogger();

}  // namespace certwatch
