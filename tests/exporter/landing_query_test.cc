// The landing page's query (exporter/landing_query.h): parameters validated (and a bad one
// answered 400 by `/`), tile membership and counts, search, sorting, the row cap, and query
// values escaped where the page echoes them.
#include "exporter/landing_query.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "exporter/landing_page.h"
#include "exporter/web/handlers.h"
#include "tests/lib/exposition_support.h"

namespace certwatch {
namespace {

using testing::kNow;
constexpr UnixSeconds kDay = 86400;

using Params = std::vector<std::pair<std::string, std::string>>;

TEST(LandingQueryTest, ParsesEveryParameter) {
  auto q = ParseLandingQuery(Params{
      {"tile", "lt14d"}, {"sort", "name"}, {"dir", "desc"}, {"q", "Shop"}, {"namespace", "prod"}});
  ASSERT_TRUE(q.has_value()) << q.error().message;
  EXPECT_EQ(q->tile, LandingTile::kLt14d);
  EXPECT_EQ(q->sort, LandingSort::kName);
  EXPECT_TRUE(q->descending);
  EXPECT_EQ(q->q, "Shop");
  EXPECT_EQ(q->ns, "prod");
  EXPECT_EQ(LandingQueryString(*q), "?tile=lt14d&namespace=prod&q=Shop&sort=name&dir=desc");

  // Empty values are what a GET form sends for empty fields: the defaults.
  auto defaults = ParseLandingQuery(Params{{"tile", ""}, {"sort", ""}, {"dir", ""}, {"q", ""}});
  ASSERT_TRUE(defaults.has_value());
  EXPECT_FALSE(defaults->tile.has_value());
  EXPECT_EQ(defaults->sort, LandingSort::kExpires);
  EXPECT_FALSE(defaults->descending);
  EXPECT_EQ(LandingQueryString(*defaults), "");

  for (LandingTile t : kLandingTiles) {
    auto parsed = ParseLandingQuery(Params{{"tile", std::string(ToString(t))}});
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->tile, t);
  }
  for (LandingSort s : kLandingSorts) {
    auto parsed = ParseLandingQuery(Params{{"sort", std::string(ToString(s))}});
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->sort, s);
  }
}

TEST(LandingQueryTest, BadValuesAreErrorsNamingTheParameter) {
  struct Case {
    Params params;
    std::string message;
  };
  const Case cases[] = {
      {{{"tile", "soon"}}, "unknown tile \"soon\": one of expired, lt7d, lt14d, failing, skipped"},
      {{{"sort", "days"}},
       "unknown sort \"days\": one of expires, kind, namespace, name, ready, failure"},
      {{{"dir", "up"}}, "unknown dir \"up\": one of asc, desc"},
      {{{"tile", "EXPIRED"}},
       "unknown tile \"EXPIRED\": one of expired, lt7d, lt14d, failing, skipped"},
      {{{"sotr", "name"}},
       "unknown query parameter \"sotr\": one of tile, sort, dir, q, namespace"},
      {{{"tile", "expired"}, {"tile", "failing"}}, "query parameter tile given more than once"},
      {{{"q", std::string(300, 'x')}}, "query parameter q longer than 256 bytes"},
      {{{"tile", std::string(100, 'y')}},
       "unknown tile \"" + std::string(64, 'y') +
           "...\": one of expired, lt7d, lt14d, failing, skipped"},
  };
  for (const Case& c : cases) {
    auto q = ParseLandingQuery(c.params);
    ASSERT_FALSE(q.has_value()) << c.message;
    EXPECT_EQ(q.error().message, c.message);
  }
}

TEST(LandingQueryTest, BadQueryAnswers400AndAGoodOneThePage) {
  StateStore store;
  FakeClock clock{kNow};
  Logger logger = NullLogger();
  WebContext ctx{store, clock, logger, nullptr, nullptr, nullptr};
  HttpResponse bad = Route(ctx, HttpRequest{"GET", "/", "", "", {{"tile", "<script>"}}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(bad.body,
            "bad request: unknown tile \"<script>\": one of expired, lt7d, lt14d, failing, "
            "skipped\n");
  EXPECT_EQ(Route(ctx, HttpRequest{"GET", "/", "", "", {{"sort", "x"}}}).status, 400);
  EXPECT_EQ(Route(ctx, HttpRequest{"GET", "/", "", "", {{"dir", "x"}}}).status, 400);

  HttpResponse ok = Route(ctx, HttpRequest{"GET", "/", "", "", {{"tile", "failing"}, {"q", "a"}}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.content_type, "text/html; charset=utf-8");
}

LandingRow Row(std::string kind, std::string ns, std::string name,
               std::optional<UnixSeconds> not_after, std::string ready = "True",
               std::string failure = "") {
  LandingRow r;
  r.kind = std::move(kind);
  r.ns = std::move(ns);
  r.name = std::move(name);
  r.not_after = not_after;
  r.ready = std::move(ready);
  r.failure = std::move(failure);
  return r;
}

// One row of each kind the tiles tell apart, plus one that is on two tiles.
std::vector<LandingRow> LandingFleet() {
  return {
      Row("Certificate", "prod", "expired", kNow - kDay, "False", "expired"),
      Row("Certificate", "prod", "soon", kNow + 3 * kDay),
      Row("Certificate", "shop", "fortnight", kNow + 10 * kDay),
      Row("Certificate", "shop", "healthy", kNow + 60 * kDay),
      Row("Certificate", "shop", "failing", kNow + 50 * kDay, "False", "rate_limited"),
      Row("Certificate", "prod", "expired-and-failing", kNow - 2 * kDay, "False",
          "issuer_not_ready"),
      Row("TLS endpoint", "shop", "10.0.0.1:443", kNow + 40 * kDay, "False", "handshake_failed"),
      Row("Certificate", "new", "no-status", std::nullopt, "Unknown", "unknown"),
      Row(std::string(kLandingSkippedKind), "tenant", "metadata.internal@127.0.0.7:443",
          std::nullopt, "", "not_covered"),
  };
}

std::vector<std::string> Names(const LandingSelection& s) {
  std::vector<std::string> out;
  for (const LandingRow* r : s.rows) out.push_back(r->name);
  return out;
}

size_t Count(const LandingSelection& s, LandingTile t) {
  auto it = std::find(kLandingTiles.begin(), kLandingTiles.end(), t);
  return s.tile_counts[static_cast<size_t>(it - kLandingTiles.begin())];
}

TEST(LandingQueryTest, TilesCountAndFilterTheirRows) {
  std::vector<LandingRow> rows = LandingFleet();
  LandingSelection all = SelectLandingRows(rows, LandingQuery{}, kNow, 500);
  EXPECT_EQ(all.total, 9u);
  EXPECT_EQ(all.matching, 9u);
  EXPECT_EQ(all.all_tiles, 9u);
  EXPECT_EQ(Count(all, LandingTile::kExpired), 2u);
  EXPECT_EQ(Count(all, LandingTile::kLt7d), 1u);
  EXPECT_EQ(Count(all, LandingTile::kLt14d), 2u);  // includes the one under 7 days
  EXPECT_EQ(Count(all, LandingTile::kFailing), 4u);
  EXPECT_EQ(Count(all, LandingTile::kSkipped), 1u);
  EXPECT_EQ(all.namespaces, (std::vector<std::string>{"new", "prod", "shop", "tenant"}));

  auto tile = [&](LandingTile t) {
    LandingQuery q;
    q.tile = t;
    return SelectLandingRows(rows, q, kNow, 500);
  };
  EXPECT_EQ(Names(tile(LandingTile::kExpired)),
            (std::vector<std::string>{"expired-and-failing", "expired"}));
  EXPECT_EQ(Names(tile(LandingTile::kLt7d)), (std::vector<std::string>{"soon"}));
  EXPECT_EQ(Names(tile(LandingTile::kLt14d)), (std::vector<std::string>{"soon", "fortnight"}));
  EXPECT_EQ(
      Names(tile(LandingTile::kFailing)),
      (std::vector<std::string>{"expired-and-failing", "10.0.0.1:443", "failing", "no-status"}));
  EXPECT_EQ(Names(tile(LandingTile::kSkipped)),
            (std::vector<std::string>{"metadata.internal@127.0.0.7:443"}));
  for (LandingTile t : kLandingTiles) {
    EXPECT_EQ(tile(t).matching, Count(all, t)) << ToString(t);
  }

  // A row expiring exactly now is expired, not under 7 days.
  std::vector<LandingRow> edge = {Row("File", "", "/now.crt", kNow)};
  EXPECT_TRUE(InTile(edge[0], LandingTile::kExpired, kNow));
  EXPECT_FALSE(InTile(edge[0], LandingTile::kLt7d, kNow));
  EXPECT_TRUE(InTile(edge[0], LandingTile::kLt7d, kNow - 1));
}

TEST(LandingQueryTest, TileCountsFollowNamespaceAndSearch) {
  std::vector<LandingRow> rows = LandingFleet();
  LandingQuery q;
  q.ns = "shop";
  LandingSelection s = SelectLandingRows(rows, q, kNow, 500);
  EXPECT_EQ(s.all_tiles, 4u);
  EXPECT_EQ(s.total, 9u);
  EXPECT_EQ(Count(s, LandingTile::kExpired), 0u);
  EXPECT_EQ(Count(s, LandingTile::kLt14d), 1u);
  EXPECT_EQ(Count(s, LandingTile::kFailing), 2u);
  EXPECT_EQ(s.namespaces.size(), 4u);  // the filter still offers every namespace
}

TEST(LandingQueryTest, SearchIsCaseInsensitiveOverNamesIssuerAndTarget) {
  std::vector<LandingRow> rows = LandingFleet();
  rows[1].dns_names = {"www.Shop.example.test", "api.example.test"};
  rows[2].issuer = "CN=R3,O=Let's Encrypt";
  rows[3].detail = "ClusterIssuer/letsencrypt-prod";
  auto search = [&](std::string text) {
    LandingQuery q;
    q.q = std::move(text);
    return Names(SelectLandingRows(rows, q, kNow, 500));
  };
  EXPECT_EQ(search("SHOP.EXAMPLE"), (std::vector<std::string>{"soon"}));
  EXPECT_EQ(search("let's encrypt"), (std::vector<std::string>{"fortnight"}));
  EXPECT_EQ(search("letsencrypt-PROD"), (std::vector<std::string>{"healthy"}));
  EXPECT_EQ(search("10.0.0.1:4"), (std::vector<std::string>{"10.0.0.1:443"}));
  EXPECT_EQ(search("tenant"), (std::vector<std::string>{"metadata.internal@127.0.0.7:443"}));
  EXPECT_EQ(search("expired").size(), 2u);
  EXPECT_TRUE(search("nothing matches this").empty());
}

TEST(LandingQueryTest, SortsByColumnWithUndatedRowsLast) {
  std::vector<LandingRow> rows = LandingFleet();
  LandingQuery q;
  std::vector<std::string> asc = Names(SelectLandingRows(rows, q, kNow, 500));
  EXPECT_EQ(asc.front(), "expired-and-failing");
  EXPECT_EQ(asc[6], "healthy");
  q.descending = true;
  std::vector<std::string> desc = Names(SelectLandingRows(rows, q, kNow, 500));
  EXPECT_EQ(desc.front(), "healthy");
  EXPECT_EQ(desc[6], "expired-and-failing");
  // Rows without a date stay last both ways, in namespace order.
  EXPECT_EQ((std::vector<std::string>(desc.end() - 2, desc.end())),
            (std::vector<std::string>{"no-status", "metadata.internal@127.0.0.7:443"}));
  EXPECT_EQ((std::vector<std::string>(asc.end() - 2, asc.end())),
            (std::vector<std::string>{"no-status", "metadata.internal@127.0.0.7:443"}));

  q = LandingQuery{};
  q.sort = LandingSort::kName;
  std::vector<std::string> by_name = Names(SelectLandingRows(rows, q, kNow, 500));
  EXPECT_TRUE(std::is_sorted(by_name.begin(), by_name.end()));
  q.sort = LandingSort::kFailure;
  q.descending = true;
  std::vector<const LandingRow*> by_failure = SelectLandingRows(rows, q, kNow, 500).rows;
  EXPECT_EQ(by_failure.front()->failure, "unknown");
  EXPECT_EQ(by_failure.back()->failure, "");  // no failure: last both ways
}

TEST(LandingQueryTest, CapsTheRowsKeptAndCountsAllMatching) {
  std::vector<LandingRow> rows;
  for (int i = 0; i < 2000; ++i) {
    rows.push_back(Row("Certificate", "ns" + std::to_string(i % 7), "c" + std::to_string(i),
                       kNow + (2000 - i) * 3600));
  }
  LandingSelection s = SelectLandingRows(rows, LandingQuery{}, kNow, 500);
  EXPECT_EQ(s.matching, 2000u);
  ASSERT_EQ(s.rows.size(), 500u);
  EXPECT_EQ(s.rows.front()->name, "c1999");  // soonest first, from all 2000
  EXPECT_TRUE(std::is_sorted(
      s.rows.begin(), s.rows.end(),
      [](const LandingRow* a, const LandingRow* b) { return *a->not_after < *b->not_after; }));
}

TEST(LandingQueryTest, PageEscapesQueryAndObjectValuesAndSaysHowManyShown) {
  StateData d;
  for (int i = 0; i < 3; ++i) {
    CertificateState c;
    c.ns = "prod";
    c.name = "web-" + std::to_string(i) + "<b>";
    c.dns_names = {"x\"><script>alert(1)</script>.example.test"};
    c.not_after = kNow + (i + 1) * kDay;
    c.ready.status = "True";
    d.certificates["prod/web-" + std::to_string(i)] = c;
  }
  LandingOptions opts;
  opts.now = kNow;
  opts.max_rows = 2;
  LandingQuery q;
  q.q = "\"><script>alert(2)</script>";
  q.ns = "prod";
  std::string html = RenderLandingPage(d, opts, q);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("value=\"&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;\""),
            std::string::npos);
  // Links carry the query percent-encoded (and then escaped as HTML).
  EXPECT_NE(html.find("href=\"/?tile=expired&amp;namespace=prod&amp;q=%22%3E%3Cscript%3E"),
            std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);  // no external assets
  EXPECT_EQ(html.find("https://"), std::string::npos);

  q.q = "";
  html = RenderLandingPage(d, opts, q);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_NE(html.find("data-name=\"web-0&lt;b&gt;\""), std::string::npos);
  EXPECT_NE(html.find("x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;.example.test"),
            std::string::npos);
  EXPECT_NE(html.find("showing 2 of 3 rows; narrow with a tile, namespace or search"),
            std::string::npos);
  // The active sort is marked, and its link flips the direction.
  EXPECT_NE(html.find("aria-sort=\"ascending\"><a href=\"/?namespace=prod&amp;dir=desc\">"
                      "Expires \u25b2</a>"),
            std::string::npos);
}

}  // namespace
}  // namespace certwatch
