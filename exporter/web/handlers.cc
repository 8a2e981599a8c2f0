#include "exporter/web/handlers.h"

#include <cmath>
#include <memory>

#include "exporter/landing_page.h"
#include "exporter/landing_query.h"
#include "exporter/scrape.h"
#include "exposition/text_writer.h"
#include "state/state_api.h"

namespace certwatch {
namespace {

HttpResponse Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

UnixSeconds NowUnix(const Clock& clock) {
  return static_cast<UnixSeconds>(std::floor(clock.NowSeconds()));
}

}  // namespace

std::string HttpResponse::Content() const {
  if (!exposition) return body;
  return gzip ? exposition->Gzip() : exposition->Text();
}

HttpResponse HandleMetrics(const WebContext& ctx, const HttpRequest& req) {
  const ExpositionFormat format = NegotiateFormat(req.accept);
  HttpResponse r;
  r.content_type = std::string(ContentType(format));
  r.headers.emplace_back("Vary", "Accept, Accept-Encoding");
  MetricsCoalescers::PerFormat& per_format = ctx.scrapes->For(format);
  r.exposition = per_format.coalescer.Get([&]() -> std::shared_ptr<const Exposition> {
    std::shared_ptr<const Config> config = ctx.config ? ctx.config() : nullptr;
    CollectContext cc;
    cc.now = ctx.clock.NowSeconds();
    cc.config = config.get();
    cc.caches = &per_format.caches;
    auto exposition = CollectExposition(ctx.store, cc, ctx.collectors, &ctx.logger, format);
    if (!exposition) {
      ctx.logger.Error("scrape failed", {{"err", exposition.error().message}});
      return nullptr;
    }
    return *exposition;
  });
  if (!r.exposition) {
    r.status = 500;
    r.content_type = "text/plain; charset=utf-8";
    r.headers.clear();
    r.body = "scrape failed: see the exporter's log\n";
    return r;
  }
  // Prometheus asks for gzip; the exposition is held compressed, so gzip costs a copy.
  r.gzip = AcceptsGzip(req.accept_encoding);
  if (r.gzip) r.headers.emplace_back("Content-Encoding", "gzip");
  return r;
}

HttpResponse HandleHealthz(const WebContext&, const HttpRequest&) { return Text(200, "ok\n"); }

HttpResponse HandleReadyz(const WebContext& ctx, const HttpRequest&) {
  std::vector<std::string> required =
      ctx.readiness_sources ? ctx.readiness_sources() : std::vector<std::string>{};
  auto waiting = ctx.store.Read([&](const StateData& d) { return NotSynced(d, required); });
  if (waiting.empty()) return Text(200, "ready\n");
  std::string body = "not ready: waiting for";
  for (size_t i = 0; i < waiting.size(); ++i) body += (i ? ", " : " ") + waiting[i];
  body += " to sync\n";
  return Text(503, std::move(body));
}

HttpResponse HandleState(const WebContext& ctx, const HttpRequest&) {
  std::shared_ptr<const Config> config = ctx.config ? ctx.config() : nullptr;
  if (config && !config->web.state_api) return Text(404, "state API disabled (web.state_api)\n");
  std::vector<std::string> required =
      ctx.readiness_sources ? ctx.readiness_sources() : std::vector<std::string>{};
  UnixSeconds now = NowUnix(ctx.clock);
  HttpResponse r;
  r.content_type = "application/json";
  r.body = ctx.store.Read([&](const StateData& d) { return StateToJson(d, required, now); });
  return r;
}

HttpResponse HandleLanding(const WebContext& ctx, const HttpRequest& req) {
  Result<LandingQuery> query = ParseLandingQuery(req.query);
  if (!query) {
    // The message quotes the request's value: plain text, and never sniffed as HTML.
    HttpResponse bad = Text(400, "bad request: " + query.error().message + "\n");
    bad.headers.emplace_back("X-Content-Type-Options", "nosniff");
    return bad;
  }
  std::shared_ptr<const Config> config = ctx.config ? ctx.config() : nullptr;
  LandingOptions opts;
  opts.now = NowUnix(ctx.clock);
  opts.state_api = !config || config->web.state_api;
  std::vector<std::string> required =
      ctx.readiness_sources ? ctx.readiness_sources() : std::vector<std::string>{};
  HttpResponse r;
  r.content_type = "text/html; charset=utf-8";
  r.body = ctx.store.Read([&](const StateData& d) {
    opts.not_synced = NotSynced(d, required);
    return RenderLandingPage(d, opts, *query);
  });
  return r;
}

HttpResponse HandleReload(const WebContext& ctx, const HttpRequest&) {
  if (!ctx.reload) return Text(500, "reload not available\n");
  Status s = ctx.reload();
  if (!s) return Text(500, "failed to reload config: " + s.error().message + "\n");
  return Text(200, "config reloaded\n");
}

HttpResponse Route(const WebContext& ctx, const HttpRequest& req) {
  struct RouteEntry {
    std::string_view path;
    std::string_view method;
    HttpResponse (*handler)(const WebContext&, const HttpRequest&);
  };
  static constexpr RouteEntry kRoutes[] = {
      {"/metrics", "GET", &HandleMetrics},   {"/healthz", "GET", &HandleHealthz},
      {"/readyz", "GET", &HandleReadyz},     {"/api/v1/state", "GET", &HandleState},
      {"/", "GET", &HandleLanding},          {"/-/reload", "POST", &HandleReload},
      {"/-/healthy", "GET", &HandleHealthz}, {"/-/ready", "GET", &HandleReadyz},
  };
  bool path_known = false;
  for (const auto& route : kRoutes) {
    if (req.path != route.path) continue;
    path_known = true;
    // HEAD is answered as GET; the server drops the body.
    if (req.method == route.method || (req.method == "HEAD" && route.method == "GET")) {
      return route.handler(ctx, req);
    }
  }
  if (path_known) {
    HttpResponse r = Text(405, "method not allowed\n");
    return r;
  }
  return Text(404, "not found\n");
}

}  // namespace certwatch
