#include "common/http_get.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>

#include "common/handles.h"

namespace certwatch {
namespace {

struct Body {
  std::string data;
  size_t max = 0;
  bool too_large = false;
};

size_t Append(char* data, size_t size, size_t n, void* user) {
  auto* body = static_cast<Body*>(user);
  if (body->data.size() + size * n > body->max) {
    body->too_large = true;
    return 0;  // aborts the transfer
  }
  body->data.append(data, size * n);
  return size * n;
}

}  // namespace

Result<std::string> HttpGet(const std::string& url, const HttpGetOptions& options) {
  const std::string what = "GET " + url;
  CurlPtr curl(curl_easy_init());
  if (!curl) return Error{what + ": curl_easy_init failed"};
  Body body;
  body.max = options.max_bytes;
  char errbuf[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  const long timeout_ms = static_cast<long>(std::max<int64_t>(1, options.timeout.count()));
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  const long connect_ms =
      options.connect_timeout.count() > 0
          ? std::min(timeout_ms, static_cast<long>(options.connect_timeout.count()))
          : timeout_ms;
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
  if (options.accept_compressed) curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_bytes));
  CURLcode rc = curl_easy_perform(c);
  if (body.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
    return Error{what + ": body larger than " + std::to_string(options.max_bytes) + " bytes"};
  }
  if (rc != CURLE_OK) return Error{what + ": " + (errbuf[0] ? errbuf : curl_easy_strerror(rc))};
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  if (code != 200) {
    std::string head = body.data.substr(0, 200);
    for (char& ch : head) {
      if (!std::isprint(static_cast<unsigned char>(ch))) ch = '?';
    }
    return Error{what + ": HTTP " + std::to_string(code) + (head.empty() ? "" : ": " + head)};
  }
  return std::move(body.data);
}

}  // namespace certwatch
