#include "cmd/startup.h"

#include <iostream>

namespace certwatch {

std::optional<CommandStart> StartCommand(std::string_view command, const std::string& log_level,
                                         const std::string& log_format,
                                         const std::string& config_file) {
  auto level = ParseLogLevel(log_level);
  auto format = ParseLogFormat(log_format);
  if (!level || !format) {
    std::cerr << "certwatch " << command << ": "
              << (!level ? level.error() : format.error()).message << "\n";
    return std::nullopt;
  }
  auto loaded = LoadConfigFile(config_file);
  if (!loaded) {
    std::cerr << loaded.error().message << "\n";
    return std::nullopt;
  }
  return CommandStart{*level, *format, std::move(*loaded)};
}

}  // namespace certwatch
