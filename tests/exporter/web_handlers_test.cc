// Endpoint behaviour without a socket: routing, readiness, the state API document (and its
// round trip through ParseStateJson), gzip negotiation, reload errors, landing page rows.
#include <gtest/gtest.h>
#include <zlib.h>

#include <nlohmann/json.hpp>

#include "exporter/landing_page.h"
#include "exporter/landing_query.h"
#include "exporter/web/handlers.h"
#include "state/state_api.h"
#include "tests/lib/exposition_support.h"
#include "tests/lib/gzip_support.h"

namespace certwatch {
namespace {

using testing::kNow;
constexpr UnixSeconds kDay = 86400;

struct Fixture {
  StateStore store;
  FakeClock clock{kNow};
  Logger logger = NullLogger();
  std::shared_ptr<const Config> config = std::make_shared<const Config>();
  std::vector<std::string> required = {"files", "kubernetes"};
  Status reload_result = OkStatus();
  int reloads = 0;

  WebContext Context() {
    return WebContext{store,
                      clock,
                      logger,
                      [this] { return config; },
                      [this] { return required; },
                      [this] {
                        ++reloads;
                        return reload_result;
                      }};
  }
};

HttpRequest Get(std::string path, std::string accept_encoding = "", std::string accept = "") {
  return HttpRequest{"GET", std::move(path), std::move(accept_encoding), std::move(accept), {}};
}

CertificateState Cert(std::string ns, std::string name, std::optional<UnixSeconds> not_after) {
  CertificateState c;
  c.ns = std::move(ns);
  c.name = std::move(name);
  c.issuer = IssuerRef{"letsencrypt-prod", "ClusterIssuer", "cert-manager.io"};
  c.not_after = not_after;
  c.ready.status = "True";
  return c;
}

TEST(WebHandlersTest, RoutesAndMethods) {
  Fixture f;
  WebContext ctx = f.Context();
  EXPECT_EQ(Route(ctx, Get("/nope")).status, 404);
  EXPECT_EQ(Route(ctx, Get("/healthz")).status, 200);
  EXPECT_EQ(Route(ctx, HttpRequest{"POST", "/metrics", "", "", {}}).status, 405);
  EXPECT_EQ(Route(ctx, Get("/-/reload")).status, 405);
  EXPECT_EQ(f.reloads, 0);
  EXPECT_EQ(Route(ctx, HttpRequest{"HEAD", "/healthz", "", "", {}}).status, 200);
}

TEST(WebHandlersTest, ReadyzWaitsForEveryEnabledSource) {
  Fixture f;
  WebContext ctx = f.Context();
  HttpResponse r = Route(ctx, Get("/readyz"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "not ready: waiting for files, kubernetes to sync\n");
  f.store.SetSource("files", true, true, kNow);
  r = Route(ctx, Get("/readyz"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "not ready: waiting for kubernetes to sync\n");
  f.store.SetSource("kubernetes", true, true, kNow);
  EXPECT_EQ(Route(ctx, Get("/readyz")).status, 200);
}

TEST(WebHandlersTest, ReloadReportsTheLoaderError) {
  Fixture f;
  f.reload_result = Error{"c.yaml:3:5: web.listen_address: missing port"};
  WebContext ctx = f.Context();
  HttpResponse r = Route(ctx, HttpRequest{"POST", "/-/reload", "", "", {}});
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("c.yaml:3:5: web.listen_address: missing port"), std::string::npos);
  f.reload_result = OkStatus();
  EXPECT_EQ(Route(ctx, HttpRequest{"POST", "/-/reload", "", "", {}}).status, 200);
  EXPECT_EQ(f.reloads, 2);
}

using testing::Gunzip;

TEST(WebHandlersTest, MetricsGzipOnlyWhenAsked) {
  Fixture f;
  f.store.SetSource("files", true, true, kNow);
  WebContext ctx = f.Context();
  HttpResponse plain = Route(ctx, Get("/metrics"));
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(plain.Content().find("certwatch_source_up{source=\"files\"} 1\n"), std::string::npos);
  for (const auto& [k, v] : plain.headers) EXPECT_NE(k, "Content-Encoding");
  HttpResponse gz = Route(ctx, Get("/metrics", "gzip, deflate"));
  bool has_encoding = false;
  for (const auto& [k, v] : gz.headers) has_encoding |= k == "Content-Encoding" && v == "gzip";
  EXPECT_TRUE(has_encoding);
  std::string text = Gunzip(std::string(gz.Content()));
  EXPECT_NE(text.find("certwatch_source_up{source=\"files\"} 1\n"), std::string::npos);
}

bool HasHeader(const HttpResponse& r, std::string_view name, std::string_view value) {
  for (const auto& [k, v] : r.headers) {
    if (k == name && v == value) return true;
  }
  return false;
}

constexpr std::string_view kPrometheusAccept =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

TEST(WebHandlersTest, MetricsServeOpenMetricsWhenAsked) {
  Fixture f;
  f.store.SetSource("files", true, true, kNow);
  WebContext ctx = f.Context();
  HttpResponse plain = Route(ctx, Get("/metrics", "", "*/*"));
  EXPECT_EQ(plain.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(plain.Content().find("# EOF"), std::string::npos);
  EXPECT_NE(plain.Content().find("# TYPE certwatch_build_info gauge\n"), std::string::npos);
  EXPECT_TRUE(HasHeader(plain, "Vary", "Accept, Accept-Encoding"));

  HttpResponse om = Route(ctx, Get("/metrics", "", std::string(kPrometheusAccept)));
  EXPECT_EQ(om.content_type, "application/openmetrics-text; version=1.0.0; charset=utf-8");
  const std::string text = om.Content();
  EXPECT_TRUE(text.ends_with("\n# EOF\n"))
      << text.substr(text.size() > 200 ? text.size() - 200 : 0);
  EXPECT_NE(text.find("# TYPE certwatch_build info\ncertwatch_build_info{"), std::string::npos);
  EXPECT_NE(text.find("# TYPE certwatch_source_errors counter\n"), std::string::npos);
  EXPECT_NE(text.find("certwatch_source_errors_total{source=\"files\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("certwatch_source_up{source=\"files\"} 1\n"), std::string::npos);
  // Each format has its own coalescer: the OpenMetrics request collected anew.
  EXPECT_EQ(ctx.scrapes->For(ExpositionFormat::kText).coalescer.collections(), 1u);
  EXPECT_EQ(ctx.scrapes->For(ExpositionFormat::kOpenMetrics).coalescer.collections(), 1u);

  HttpResponse gz = Route(ctx, Get("/metrics", "gzip", std::string(kPrometheusAccept)));
  EXPECT_EQ(gz.content_type, "application/openmetrics-text; version=1.0.0; charset=utf-8");
  EXPECT_TRUE(HasHeader(gz, "Content-Encoding", "gzip"));
  std::string unzipped = Gunzip(std::string(gz.Content()));
  EXPECT_TRUE(unzipped.ends_with("\n# EOF\n"));
  EXPECT_NE(unzipped.find("# TYPE certwatch_build info\n"), std::string::npos);
  // gzip and text are two encodings of one collection per format: a new request collects anew
  // (sequential requests never share), in the OpenMetrics coalescer only.
  EXPECT_EQ(ctx.scrapes->For(ExpositionFormat::kOpenMetrics).coalescer.collections(), 2u);
  EXPECT_EQ(ctx.scrapes->For(ExpositionFormat::kText).coalescer.collections(), 1u);

  // Text stays the default, gzip included, when OpenMetrics is not preferred.
  HttpResponse text_gz = Route(
      ctx, Get("/metrics", "gzip", "text/plain;version=0.0.4,application/openmetrics-text;q=0.5"));
  EXPECT_EQ(text_gz.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(Gunzip(std::string(text_gz.Content())).find("# EOF"), std::string::npos);
}

TEST(WebHandlersTest, StateApiDocumentAndRoundTrip) {
  Fixture f;
  f.store.SetSource("files", true, true, kNow);
  f.store.Update([](StateData& d) {
    CertificateState c = Cert("shop", "web", kNow + 3 * kDay);
    c.failure = FailureReason::kRateLimited;
    c.acme_rate_limited = true;
    c.failure_message = "429 urn:ietf:params:acme:error:rateLimited";
    c.dns_names = {"shop.example.test", "www.shop.example.test"};
    c.renewal_time = kNow - kDay;
    c.labels["team"] = "shop";
    d.certificates["shop/web"] = c;
    TlsProbeResult t;
    t.target = "10.0.0.1:443";
    t.server_name = "shop.example.test";
    t.certificate = "shop/web";
    t.success = true;
    t.leaf = CertFacts{.subject = "CN=shop",
                       .issuer = "CN=R3",
                       .serial = "0a",
                       .fingerprint_sha256 = "ff",
                       .not_before = kNow - 80 * kDay,
                       .not_after = kNow + 10 * kDay,
                       .dns_names = {"shop.example.test"}};
    t.matches_stored = false;
    d.tls["10.0.0.1:443|shop.example.test"] = t;
    DnsChallengeResult dc;
    dc.ns = "shop";
    dc.challenge = "web-1-2-3";
    dc.domain = "shop.example.test";
    dc.resolver = "8.8.8.8:53";
    dc.propagated = true;
    d.dns_challenges["shop/web-1-2-3|8.8.8.8:53"] = dc;
    d.clock_skew_seconds = 0.25;
    d.file_errors["/bad\xff.pem"] = FileError{"/bad\xff.pem", "not PEM"};
  });
  WebContext ctx = f.Context();
  HttpResponse r = Route(ctx, Get("/api/v1/state"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  nlohmann::json j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["synced"], false);
  EXPECT_EQ(j["not_synced"], nlohmann::json::array({"kubernetes"}));
  EXPECT_EQ(j["generated_at"], kNow);
  EXPECT_EQ(j["certificates"]["shop/web"]["failure"], "rate_limited");
  EXPECT_EQ(j["certificates"]["shop/web"]["not_before"], nullptr);
  EXPECT_EQ(j["tls"]["10.0.0.1:443|shop.example.test"]["matches_stored"], false);

  auto doc = ParseStateJson(r.body);
  ASSERT_TRUE(doc.has_value()) << doc.error().message;
  EXPECT_FALSE(doc->synced);
  EXPECT_EQ(doc->generated_at, kNow);
  const CertificateState& c = doc->data.certificates.at("shop/web");
  EXPECT_EQ(c.failure, FailureReason::kRateLimited);
  EXPECT_TRUE(c.acme_rate_limited);
  EXPECT_EQ(c.issuer.kind, "ClusterIssuer");
  EXPECT_EQ(c.not_after, kNow + 3 * kDay);
  EXPECT_FALSE(c.not_before.has_value());
  EXPECT_EQ(c.renewal_time, kNow - kDay);
  EXPECT_EQ(c.dns_names.size(), 2u);
  EXPECT_EQ(c.labels.at("team"), "shop");
  const TlsProbeResult& t = doc->data.tls.at("10.0.0.1:443|shop.example.test");
  ASSERT_TRUE(t.leaf.has_value());
  EXPECT_EQ(t.leaf->not_after, kNow + 10 * kDay);
  EXPECT_EQ(t.matches_stored, std::optional<bool>(false));
  EXPECT_TRUE(doc->data.dns_challenges.at("shop/web-1-2-3|8.8.8.8:53").propagated);
  EXPECT_EQ(doc->data.clock_skew_seconds, std::optional<double>(0.25));
  EXPECT_TRUE(doc->data.sources.at("files").synced);
  EXPECT_EQ(doc->data.file_errors.size(), 1u);  // invalid UTF-8 replaced, not fatal

  auto disabled = std::make_shared<Config>();
  disabled->web.state_api = false;
  f.config = disabled;
  EXPECT_EQ(Route(ctx, Get("/api/v1/state")).status, 404);
  EXPECT_FALSE(ParseStateJson("[1,2]").has_value());
  EXPECT_FALSE(ParseStateJson("{\"certificates\": 5}").has_value());
}

TEST(LandingPageTest, RowsSoonestExpiryFirstWithJoins) {
  StateData d;
  d.certificates["a/late"] = Cert("a", "late", kNow + 60 * kDay);
  d.certificates["b/soon"] = Cert("b", "soon", kNow + 3 * kDay);
  d.certificates["c/none"] = Cert("c", "none", std::nullopt);
  d.certificates["c/none"].ready.status = "";
  d.certificates["c/none"].failure = FailureReason::kUnknown;
  // b/soon: one DNS-01 challenge, propagated on one of two resolvers.
  CertificateRequestState cr;
  cr.ns = "b";
  cr.name = "soon-1";
  cr.certificate = "soon";
  d.requests["b/soon-1"] = cr;
  OrderState o;
  o.ns = "b";
  o.name = "soon-1-9";
  o.request = "soon-1";
  d.orders["b/soon-1-9"] = o;
  ChallengeState ch;
  ch.ns = "b";
  ch.name = "soon-1-9-7";
  ch.order = "soon-1-9";
  d.challenges["b/soon-1-9-7"] = ch;
  for (auto [resolver, ok] : {std::pair{"1.1.1.1:53", true}, std::pair{"8.8.8.8:53", false}}) {
    DnsChallengeResult r;
    r.ns = "b";
    r.challenge = "soon-1-9-7";
    r.resolver = resolver;
    r.propagated = ok;
    d.dns_challenges[std::string("b/soon-1-9-7|") + resolver] = r;
  }
  d.renewer_last_action["b/soon"] = RenewerActionRecord{"reissue", "dry_run", kNow};
  FileCertState file;
  file.path = "/etc/kubernetes/pki/apiserver.crt";
  file.facts.not_after = kNow + 20 * kDay;
  d.files["/etc/kubernetes/pki/apiserver.crt#0"] = file;

  auto rows = LandingRows(d, kNow);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].name, "soon");
  EXPECT_EQ(rows[0].dns, "1/2 resolvers");
  EXPECT_EQ(rows[0].renewer, "reissue (dry_run)");
  EXPECT_EQ(rows[1].kind, "File");
  EXPECT_EQ(rows[2].name, "late");
  EXPECT_EQ(rows[3].name, "none");
  EXPECT_EQ(rows[3].ready, "Unknown");
  EXPECT_EQ(rows[3].failure, "unknown");

  LandingOptions opts;
  opts.now = kNow;
  d.certificates["a/late"].failure_message = "</script><script>alert(1)</script>";
  std::string html = RenderLandingPage(d, opts, LandingQuery{});
  EXPECT_EQ(html.find("</script><script>alert"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);  // no external assets
  EXPECT_EQ(html.find("https://"), std::string::npos);
}

TEST(LandingPage, SkippedDiscoveredTargetsAreRowsWithTheirReason) {
  StateData d;
  d.tls_skipped.push_back({"tenant", "sneaky", "metadata.internal@127.0.0.7:443", "not_covered"});
  auto rows = LandingRows(d, kNow);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].kind, "Skipped target");
  EXPECT_EQ(rows[0].ns, "tenant");
  EXPECT_EQ(rows[0].name, "metadata.internal@127.0.0.7:443");
  EXPECT_EQ(rows[0].detail, "Ingress sneaky");
  EXPECT_EQ(rows[0].failure, "not_covered");
  EXPECT_NE(rows[0].failure_message.find("allowed_cidrs"), std::string::npos);
  LandingOptions opts;
  opts.now = kNow;
  EXPECT_NE(RenderLandingPage(d, opts, LandingQuery{}).find("Skipped target"), std::string::npos);
}

}  // namespace
}  // namespace certwatch
