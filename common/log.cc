#include "common/log.h"

#include <chrono>
#include <ctime>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/time.h"

namespace certwatch {
namespace {

std::string_view LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

// logfmt quotes a value when it holds spaces, quotes, '=' or control characters.
void AppendLogfmtValue(std::string& out, std::string_view v) {
  bool quote = v.empty();
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) quote = true;
  }
  if (!quote) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) continue;
        out.push_back(c);
    }
  }
  out.push_back('"');
}

std::string Timestamp() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return FormatRfc3339Millis(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

}  // namespace

Result<LogLevel> ParseLogLevel(std::string_view s) {
  if (s == "debug") return LogLevel::kDebug;
  if (s == "info") return LogLevel::kInfo;
  if (s == "warn") return LogLevel::kWarn;
  if (s == "error") return LogLevel::kError;
  return Error{"unknown log level \"" + std::string(s) + "\" (want debug, info, warn or error)"};
}

Result<LogFormat> ParseLogFormat(std::string_view s) {
  if (s == "logfmt") return LogFormat::kLogfmt;
  if (s == "json") return LogFormat::kJson;
  return Error{"unknown log format \"" + std::string(s) + "\" (want logfmt or json)"};
}

Logger::Logger(std::ostream& out, LogLevel level, LogFormat format)
    : Logger(std::make_shared<Sink>(), level, format, "") {
  sink_->out = &out;
}

Logger::Logger(std::shared_ptr<Sink> sink, LogLevel level, LogFormat format, std::string fixed)
    : sink_(std::move(sink)), level_(level), format_(format), fixed_(std::move(fixed)) {}

Logger Logger::With(std::string_view key, std::string value) const {
  std::string fixed = fixed_;
  if (format_ == LogFormat::kJson) {
    fixed += "," + nlohmann::json(std::string(key)).dump() + ":" + nlohmann::json(value).dump();
  } else {
    fixed += " ";
    fixed.append(key);
    fixed += "=";
    AppendLogfmtValue(fixed, value);
  }
  return Logger(sink_, level_, format_, std::move(fixed));
}

void Logger::Log(LogLevel level, std::string_view msg,
                 std::initializer_list<LogField> fields) const {
  if (!Enabled(level) || !sink_->out) return;
  std::string line;
  if (format_ == LogFormat::kJson) {
    nlohmann::json j = nlohmann::json::object();
    j["ts"] = Timestamp();
    j["level"] = LevelName(level);
    j["msg"] = std::string(msg);
    for (const auto& [k, v] : fields) j[std::string(k)] = v;
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line.pop_back();  // reopen the object to append fixed fields
    line += fixed_ + "}\n";
  } else {
    line = "ts=" + Timestamp() + " level=";
    line.append(LevelName(level));
    line += fixed_ + " msg=";
    AppendLogfmtValue(line, msg);
    for (const auto& [k, v] : fields) {
      line += " ";
      line.append(k);
      line += "=";
      AppendLogfmtValue(line, v);
    }
    line += "\n";
  }
  std::lock_guard<std::mutex> lock(sink_->mu);
  *sink_->out << line << std::flush;
}

Logger NullLogger() {
  static std::ofstream null_stream;  // never opened: writes are dropped
  return Logger(null_stream, LogLevel::kError, LogFormat::kLogfmt);
}

}  // namespace certwatch
