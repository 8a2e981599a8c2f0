// What each endpoint answers, independent of the HTTP library: the server (server.cc, the
// only file that includes httplib.h) turns a request into an HttpRequest, calls the handler
// and writes its HttpResponse. Handlers are unit-tested without a socket.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "common/result.h"
#include "config/config.h"
#include "exporter/collector.h"
#include "exporter/scrape_coalescer.h"
#include "exposition/format.h"
#include "exposition/segment.h"
#include "state/state.h"

namespace certwatch {

struct HttpRequest {
  std::string method;  // GET, POST, HEAD, ...
  std::string path;
  std::string accept_encoding;
  std::string accept;  // picks text or OpenMetrics on /metrics
  // Decoded query parameters in the order the server parsed them (repeats kept).
  std::vector<std::pair<std::string, std::string>> query;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set instead of `body` on /metrics: one collection shared with concurrent responses,
  // streamed as gzip (`gzip`, Content-Encoding set in `headers`) or inflated as text.
  std::shared_ptr<const Exposition> exposition;
  bool gzip = false;

  // The bytes sent, whole (tests; the server streams an exposition instead).
  std::string Content() const;
};

// Concurrent /metrics requests share collections (exporter/scrape_coalescer.h), one
// coalescer per format: an Exposition is sent as gzip or text alike, so a scrape waits only
// for a collection in its format. Each format keeps its collectors' caches, used only by
// that format's collection.
class MetricsCoalescers {
 public:
  struct PerFormat {
    ScrapeCoalescer<Exposition> coalescer;
    CollectorCaches caches;
  };
  PerFormat& For(ExpositionFormat format) {
    return by_format_[format == ExpositionFormat::kOpenMetrics ? 1 : 0];
  }

 private:
  std::array<PerFormat, 2> by_format_;
};

// What the endpoints need from `certwatch serve`. Functions are called from the server's
// worker threads and must be thread-safe.
struct WebContext {
  StateStore& store;
  const Clock& clock;
  const Logger& logger;
  std::function<std::shared_ptr<const Config>()> config;
  // Names of the enabled sources /readyz and `synced` wait for.
  std::function<std::vector<std::string>()> readiness_sources;
  // Re-reads the config (POST /-/reload); an error keeps the old one.
  std::function<Status()> reload;
  std::span<const CollectorEntry> collectors = Collectors();
  std::shared_ptr<MetricsCoalescers> scrapes = std::make_shared<MetricsCoalescers>();
};

HttpResponse HandleMetrics(const WebContext& ctx, const HttpRequest& req);
HttpResponse HandleHealthz(const WebContext& ctx, const HttpRequest& req);
HttpResponse HandleReadyz(const WebContext& ctx, const HttpRequest& req);
HttpResponse HandleState(const WebContext& ctx, const HttpRequest& req);
HttpResponse HandleLanding(const WebContext& ctx, const HttpRequest& req);
HttpResponse HandleReload(const WebContext& ctx, const HttpRequest& req);

// Routes by method and path: the whole endpoint table.
HttpResponse Route(const WebContext& ctx, const HttpRequest& req);

}  // namespace certwatch
