// The start every long-running command (serve, renew) shares: its --log.* flags parsed and its
// config file loaded. Errors are printed as `certwatch <command>: ...` (config errors as
// file:line:column: key: message), for exit code 2.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/log.h"
#include "config/config.h"

namespace certwatch {

struct CommandStart {
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kLogfmt;
  Config config;
};

std::optional<CommandStart> StartCommand(std::string_view command, const std::string& log_level,
                                         const std::string& log_format,
                                         const std::string& config_file);

}  // namespace certwatch
