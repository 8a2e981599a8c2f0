#include "renewer/state_reader.h"

#include <curl/curl.h>

#include "common/handles.h"
#include "state/state_api.h"

namespace certwatch::renewer {
namespace {

// The whole state of a large cluster is tens of megabytes; anything far beyond is not an
// exporter talking.
constexpr size_t kMaxBody = 512u << 20;

size_t Append(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  if (out->size() + size * n > kMaxBody) return 0;  // aborts the transfer
  out->append(data, size * n);
  return size * n;
}

}  // namespace

Result<Snapshot> ParseSnapshot(std::string_view json) {
  auto doc = ParseStateJson(json);
  if (!doc) return doc.error();
  Snapshot s;
  s.synced = doc->synced;
  s.generated_at = doc->generated_at;
  s.data = std::move(doc->data);
  return s;
}

Result<Snapshot> HttpStateReader::Read() {
  CurlPtr curl(curl_easy_init());
  if (!curl) return Error{"state " + url_ + ": curl_easy_init failed"};
  std::string body;
  char errbuf[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms_);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms_, 5000L));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // gzip when the exporter offers it
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    return Error{"state " + url_ + ": " + (errbuf[0] ? errbuf : curl_easy_strerror(rc))};
  }
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  if (code != 200) {
    return Error{"state " + url_ + ": HTTP " + std::to_string(code) + ": " + body.substr(0, 200)};
  }
  auto snap = ParseSnapshot(body);
  if (!snap) return snap.error().Wrap("state " + url_);
  return snap;
}

}  // namespace certwatch::renewer
