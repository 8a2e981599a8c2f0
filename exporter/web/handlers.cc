#include "exporter/web/handlers.h"

#include <malloc.h>

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

// A scrape body that hands its memory back to the system when the last response sending it
// is done. A 100k-certificate text exposition is ~220 MB; glibc keeps freed memory in the
// arena of the thread that freed it, so without a trim each web worker would hold a copy's
// worth of RSS long after the scrape.
std::shared_ptr<const std::string> ScrapeBody(std::string bytes) {
  constexpr size_t kTrimAbove = 16 << 20;
  auto owned = std::make_unique<const std::string>(std::move(bytes));
  return std::shared_ptr<const std::string>(owned.release(), [](const std::string* body) {
    const bool big = body->capacity() > kTrimAbove;
    std::default_delete<const std::string>()(body);
    if (big) malloc_trim(0);
  });
}

UnixSeconds NowUnix(const Clock& clock) {
  return static_cast<UnixSeconds>(std::floor(clock.NowSeconds()));
}

}  // namespace

HttpResponse HandleMetrics(const WebContext& ctx, const HttpRequest& req) {
  auto collect_context = [&ctx] {
    CollectContext cc;
    cc.now = ctx.clock.NowSeconds();
    return cc;
  };
  const ExpositionFormat format = NegotiateFormat(req.accept);
  HttpResponse r;
  r.content_type = std::string(ContentType(format));
  r.headers.emplace_back("Vary", "Accept, Accept-Encoding");
  if (AcceptsGzip(req.accept_encoding)) {
    // Compressed while written: Prometheus asks for gzip, and a 100k-certificate exposition
    // is ~30x smaller that way than held as text.
    r.shared_body = ctx.scrapes->For(format, true).Get([&]() -> std::shared_ptr<const std::string> {
      std::shared_ptr<const Config> config = ctx.config ? ctx.config() : nullptr;
      CollectContext cc = collect_context();
      cc.config = config.get();
      auto gz = ScrapeGzip(ctx.store, cc, ctx.collectors, &ctx.logger, format);
      if (!gz) {
        ctx.logger.Warn("gzip failed, sending plain", {{"err", gz.error().message}});
        return nullptr;
      }
      return ScrapeBody(std::move(*gz));
    });
    if (r.shared_body) {
      r.headers.emplace_back("Content-Encoding", "gzip");
      return r;
    }
  }
  r.shared_body = ctx.scrapes->For(format, false).Get([&] {
    std::shared_ptr<const Config> config = ctx.config ? ctx.config() : nullptr;
    CollectContext cc = collect_context();
    cc.config = config.get();
    return ScrapeBody(ScrapeText(ctx.store, cc, ctx.collectors, &ctx.logger, 0, format));
  });
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
