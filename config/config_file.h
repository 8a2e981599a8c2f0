// Reading config files: bounded in size, with errors that name the file.
#pragma once

#include <string>

#include "common/result.h"

namespace certwatch {

// The whole file; "FILE: cannot read: No such file or directory" on failure. Files over
// 16 MiB are refused (a config is small; anything larger is a mistake or an attack).
Result<std::string> ReadConfigFile(const std::string& path);

}  // namespace certwatch
