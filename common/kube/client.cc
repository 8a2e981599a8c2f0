#include "common/kube/client.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/handles.h"
#include "common/kube/watch_stream.h"
#include "common/strings.h"

namespace certwatch {

namespace {

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool HeaderIs(std::string_view line, std::string_view name) {
  return line.size() > name.size() && line[name.size()] == ':' &&
         EqualsIgnoreCase(line.substr(0, name.size()), name);
}

}  // namespace

std::string KubeResponse::Describe() const {
  std::string out = std::to_string(status);
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.value("kind", "") == "Status") {
    std::string reason = j.value("reason", "");
    std::string message = j.value("message", "");
    if (!reason.empty()) out += " " + reason;
    if (!message.empty()) out += ": " + message;
    return out;
  }
  std::string head = body.substr(0, 200);
  for (char& c : head) {
    if (!std::isprint(static_cast<unsigned char>(c))) c = '?';
  }
  return head.empty() ? out : out + ": " + head;
}

std::string QueryEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// One easy handle with its TLS setup done once, plus the state of the request in flight.
struct KubeClient::Handle {
  CurlPtr curl;
  CurlSlistPtr headers;
  char errbuf[CURL_ERROR_SIZE] = {};
  // Per request.
  KubeResponse response;
  const std::function<bool(std::string_view)>* on_line = nullptr;
  const std::function<void()>* on_open = nullptr;
  WatchLineSplitter lines;  // wipes the partial line it keeps (it may be a Secret's)
  bool stopped_by_callback = false;
  const std::atomic<bool>* stop = nullptr;
  std::string sent_body;

  static size_t OnHeader(char* data, size_t size, size_t n, void* user) {
    auto* h = static_cast<Handle*>(user);
    std::string_view line(data, size * n);
    if ((line == "\r\n" || line == "\n") && h->on_open && *h->on_open) {
      long code = 0;
      curl_easy_getinfo(h->curl.get(), CURLINFO_RESPONSE_CODE, &code);
      if (code == 200) (*h->on_open)();
    } else if (HeaderIs(line, "date")) {
      std::string v(Trim(line.substr(5)));
      time_t t = curl_getdate(v.c_str(), nullptr);
      if (t > 0) h->response.server_date = static_cast<int64_t>(t);
    } else if (HeaderIs(line, "retry-after")) {
      std::string v(Trim(line.substr(12)));
      char* end = nullptr;
      double secs = std::strtod(v.c_str(), &end);
      if (end != v.c_str() && *end == '\0' && secs >= 0) {
        h->response.retry_after_seconds = secs;
      } else if (time_t t = curl_getdate(v.c_str(), nullptr); t > 0) {
        h->response.retry_after_seconds = std::max(0.0, static_cast<double>(t) - NowSeconds());
      }
    }
    return size * n;
  }

  static size_t OnData(char* data, size_t size, size_t n, void* user) {
    auto* h = static_cast<Handle*>(user);
    const size_t len = size * n;
    long code = 0;
    curl_easy_getinfo(h->curl.get(), CURLINFO_RESPONSE_CODE, &code);
    if (!h->on_line || code != 200) {
      h->response.body.append(data, len);
      return len;
    }
    // Watch stream: split into lines; the partial tail waits for the next chunk.
    if (!h->lines.Feed(std::string_view(data, len), *h->on_line)) {
      h->stopped_by_callback = true;
      return 0;
    }
    return len;
  }

  static int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto* h = static_cast<Handle*>(user);
    return h->stop && h->stop->load() ? 1 : 0;
  }
};

KubeClient::KubeClient(KubeConfig config, KubeClientOptions options)
    : config_(std::move(config)), options_(std::move(options)) {}

KubeClient::~KubeClient() = default;

Result<std::unique_ptr<KubeClient>> KubeClient::Create(KubeConfig config,
                                                       KubeClientOptions options) {
  std::unique_ptr<KubeClient> c(new KubeClient(std::move(config), std::move(options)));
  // Fail early on unreadable files rather than on the first request.
  for (const std::string* f :
       {&c->config_.ca_file, &c->config_.client_cert_file, &c->config_.client_key_file}) {
    if (!f->empty() && access(f->c_str(), R_OK) != 0) {
      return Error{c->config_.source + ": " + *f + ": cannot read"};
    }
  }
  auto h = c->Acquire();
  if (!h) return Error{c->config_.source + ": cannot create a curl handle"};
  c->Release(std::move(h));
  return c;
}

std::unique_ptr<KubeClient::Handle> KubeClient::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto h = std::move(idle_.back());
      idle_.pop_back();
      return h;
    }
  }
  auto h = std::make_unique<Handle>();
  h->curl.reset(curl_easy_init());
  if (!h->curl) return nullptr;
  CURL* c = h->curl.get();
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // gzip when the server offers it
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &Handle::OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, h.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Handle::OnData);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, h.get());
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &Handle::OnProgress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, h.get());
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  if (config_.insecure_skip_tls_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!config_.ca_pem.empty()) {
    curl_blob blob{const_cast<char*>(config_.ca_pem.data()), config_.ca_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
  } else if (!config_.ca_file.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, config_.ca_file.c_str());
  }
  if (!config_.client_cert_pem.empty()) {
    curl_blob blob{const_cast<char*>(config_.client_cert_pem.data()),
                   config_.client_cert_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &blob);
    curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
  } else if (!config_.client_cert_file.empty()) {
    curl_easy_setopt(c, CURLOPT_SSLCERT, config_.client_cert_file.c_str());
  }
  if (!config_.client_key_pem.empty()) {
    curl_blob blob{const_cast<char*>(config_.client_key_pem.str().data()),
                   config_.client_key_pem.str().size(), CURL_BLOB_COPY};
    curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &blob);
    curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
  } else if (!config_.client_key_file.empty()) {
    curl_easy_setopt(c, CURLOPT_SSLKEY, config_.client_key_file.c_str());
  }
  return h;
}

void KubeClient::Release(std::unique_ptr<Handle> h) {
  h->response = KubeResponse{};
  h->on_line = nullptr;
  h->on_open = nullptr;
  h->lines.Reset();
  h->stop = nullptr;
  h->headers.reset();
  SecretBytes wipe(std::move(h->sent_body));
  std::lock_guard lock(mu_);
  if (idle_.size() < 8) idle_.push_back(std::move(h));
}

std::string KubeClient::Token() {
  if (!config_.token.empty()) return config_.token.str();
  if (config_.token_file.empty()) return "";
  struct stat st {};
  std::lock_guard lock(mu_);
  if (stat(config_.token_file.c_str(), &st) == 0) {
    const int64_t mtime =
        static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    if (mtime != token_mtime_ns_ || st.st_size != token_size_) {
      std::ifstream in(config_.token_file, std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      std::string t(Trim(ss.str()));
      if (!t.empty()) {
        file_token_ = SecretBytes(std::move(t));
        token_mtime_ns_ = mtime;
        token_size_ = st.st_size;
      }
    }
  }
  return file_token_.str();
}

Status KubeClient::Configure(Handle& h, std::string_view method, const std::string& path,
                             std::string_view body, std::string_view content_type) {
  CURL* c = h.curl.get();
  h.response = KubeResponse{};
  h.errbuf[0] = '\0';
  const std::string url = config_.server + path;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  CurlSlistPtr headers;
  auto add = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (next) {
      (void)headers.release();
      headers.reset(next);
    }
  };
  add("Accept: application/json");
  if (std::string token = Token(); !token.empty()) {
    add("Authorization: Bearer " + token);
    OPENSSL_cleanse(token.data(), token.size());
  }
  if (method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, nullptr);
  } else {
    h.sent_body.assign(body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(h.sent_body.size()));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, h.sent_body.c_str());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, std::string(method).c_str());
    if (!body.empty() || method != "DELETE") add("Content-Type: " + std::string(content_type));
    add("Expect:");
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  h.headers = std::move(headers);
  return OkStatus();
}

void KubeClient::NoteDate(int64_t server_date, double local_now) {
  std::lock_guard lock(mu_);
  // The Date header is truncated to the second: the server's true time lies in
  // [date, date+1), so its midpoint is the best estimate.
  skew_ = local_now - (static_cast<double>(server_date) + 0.5);
}

std::optional<double> KubeClient::ClockSkewSeconds() const {
  std::lock_guard lock(const_cast<std::mutex&>(mu_));
  return skew_;
}

Result<KubeResponse> KubeClient::Do(std::string_view method, const std::string& path,
                                    std::string_view body, std::string_view content_type) {
  for (int attempt = 0;; ++attempt) {
    auto h = Acquire();
    if (!h) return Error{std::string(method) + " " + path + ": cannot create a curl handle"};
    if (Status s = Configure(*h, method, path, body, content_type); !s) return s.error();
    curl_easy_setopt(h->curl.get(), CURLOPT_TIMEOUT_MS, options_.request_timeout_ms);
    CURLcode rc = curl_easy_perform(h->curl.get());
    const double now = NowSeconds();
    if (rc != CURLE_OK) {
      std::string msg = h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc);
      h->curl.reset();  // drop the connection with the handle
      return Error{std::string(method) + " " + config_.server + path + ": " + msg};
    }
    curl_easy_getinfo(h->curl.get(), CURLINFO_RESPONSE_CODE, &h->response.status);
    KubeResponse resp = std::move(h->response);
    Release(std::move(h));
    if (resp.server_date) NoteDate(*resp.server_date, now);
    // A rotated token file: re-read it once and retry.
    if (resp.status == 401 && attempt == 0 && !config_.token_file.empty()) {
      std::lock_guard lock(mu_);
      token_mtime_ns_ = -1;
      continue;
    }
    return resp;
  }
}

namespace {
Result<std::string> BodyOrError(Result<KubeResponse> r, std::string_view method,
                                const std::string& path) {
  if (!r) return r.error();
  if (!r->ok()) return Error{std::string(method) + " " + path + ": " + r->Describe()};
  return std::move(r->body);
}
}  // namespace

Result<std::string> KubeClient::Get(const std::string& path) {
  return BodyOrError(Do("GET", path), "GET", path);
}
Result<std::string> KubeClient::Post(const std::string& path, std::string_view json) {
  return BodyOrError(Do("POST", path, json), "POST", path);
}
Result<std::string> KubeClient::Put(const std::string& path, std::string_view json) {
  return BodyOrError(Do("PUT", path, json), "PUT", path);
}
Result<std::string> KubeClient::Patch(const std::string& path, std::string_view patch,
                                      PatchType type) {
  std::string_view ct = type == PatchType::kJson ? "application/json-patch+json"
                        : type == PatchType::kStrategicMerge
                            ? "application/strategic-merge-patch+json"
                            : "application/merge-patch+json";
  return BodyOrError(Do("PATCH", path, patch, ct), "PATCH", path);
}
Result<std::string> KubeClient::Delete(const std::string& path) {
  return BodyOrError(Do("DELETE", path), "DELETE", path);
}

Result<KubeResponse> KubeClient::Watch(const std::string& path,
                                       const std::function<bool(std::string_view)>& on_line,
                                       const std::atomic<bool>* stop, long timeout_ms,
                                       const std::function<void()>& on_open) {
  auto h = Acquire();
  if (!h) return Error{"GET " + path + ": cannot create a curl handle"};
  if (Status s = Configure(*h, "GET", path, {}, {}); !s) return s.error();
  h->on_line = &on_line;
  // The Date header is compared with the local clock when the headers arrive, not when the
  // stream ends minutes later: a streaming list is the only answer some watchers ever get.
  bool dated = false;
  const std::function<void()> opened = [&] {
    if (h->response.server_date) {
      NoteDate(*h->response.server_date, NowSeconds());
      dated = true;
    }
    if (on_open) on_open();
  };
  h->on_open = &opened;
  h->stop = stop;
  h->stopped_by_callback = false;
  curl_easy_setopt(h->curl.get(), CURLOPT_TIMEOUT_MS, timeout_ms);
  CURLcode rc = curl_easy_perform(h->curl.get());
  const double now = NowSeconds();
  curl_easy_getinfo(h->curl.get(), CURLINFO_RESPONSE_CODE, &h->response.status);
  if (h->response.server_date && !dated) NoteDate(*h->response.server_date, now);
  const bool stopped = h->stopped_by_callback || (stop && stop->load());
  if (rc != CURLE_OK && !stopped && h->response.status == 200 && (rc == CURLE_OPERATION_TIMEDOUT)) {
    // Our own deadline on a healthy stream: a clean end, like the server's timeoutSeconds.
    rc = CURLE_OK;
  }
  if (rc != CURLE_OK && !stopped) {
    std::string msg = h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc);
    h->curl.reset();
    return Error{"watch " + config_.server + path + ": " + msg};
  }
  KubeResponse resp = std::move(h->response);
  // A stream ended mid-line has a final event without newline only if the server is broken;
  // hand it over anyway so the caller can report it.
  if (!stopped && !h->lines.pending().empty() && resp.status == 200) {
    on_line(h->lines.pending());
  }
  if (stopped || rc != CURLE_OK) {
    h->curl.reset();  // the connection is mid-stream; do not reuse it
  } else {
    Release(std::move(h));
  }
  return resp;
}

}  // namespace certwatch
