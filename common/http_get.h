// A bounded HTTP(S) GET over libcurl: for documents fetched from outside (CRLs) and from the
// exporter (the renewer's state), where the size, the time and the protocols are limited
// before a byte is trusted.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "common/result.h"

namespace certwatch {

struct HttpGetOptions {
  size_t max_bytes = 20u << 20;                  // a larger body aborts the transfer
  std::chrono::milliseconds timeout{10000};      // whole transfer, connect included
  std::chrono::milliseconds connect_timeout{0};  // 0: `timeout`
  bool accept_compressed = false;  // Accept-Encoding: every encoding curl decodes (gzip, ...)
};

// The body of a 200 answer. Errors name the URL: "GET http://x/a.crl: HTTP 404: <up to 200
// bytes of the body>",
// "GET ...: body larger than 1024 bytes", "GET ...: Operation timed out after ...".
// Only http and https, also across redirects (at most 5).
Result<std::string> HttpGet(const std::string& url, const HttpGetOptions& options);

}  // namespace certwatch
