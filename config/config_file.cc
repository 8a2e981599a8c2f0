#include "config/config_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace certwatch {

Result<std::string> ReadConfigFile(const std::string& path) {
  constexpr size_t kMaxSize = 16 << 20;
  auto fail = [&](int err) { return Error{path + ": cannot read: " + std::strerror(err)}; };
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return fail(errno);
  std::string text;
  char buf[65536];
  while (true) {
    size_t n = std::fread(buf, 1, sizeof buf, f.get());
    text.append(buf, n);
    if (text.size() > kMaxSize) return Error{path + ": cannot read: larger than 16 MiB"};
    if (n < sizeof buf) {
      if (std::ferror(f.get())) return fail(errno);
      break;
    }
  }
  return text;
}

}  // namespace certwatch
