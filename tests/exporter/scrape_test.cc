// The scrape wrapper: every collector runs, a throwing one is counted failed and leaves no
// partial family, the self collectors report sources and reloads.
#include "exporter/scrape.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "exposition/text_writer.h"

namespace certwatch {
namespace {

void CollectGood(const StateData& state, const CollectContext&, MetricSink& sink) {
  FamilyWriter w(sink, "certwatch_test_files", "Files.");
  for (const auto& [k, f] : state.files)
    w.Add({{"path", f.path}}, static_cast<double>(f.facts.not_after));
}

void CollectThrowsHalfway(const StateData&, const CollectContext&, MetricSink& sink) {
  FamilyWriter w(sink, "certwatch_test_broken", "Broken.");
  for (int i = 0; i < 10000; ++i) w.Add({{"i", std::to_string(i)}}, i);  // crosses a chunk
  throw std::runtime_error("bad object");
}

void CollectAfter(const StateData&, const CollectContext& ctx, MetricSink& sink) {
  FamilyWriter w(sink, "certwatch_test_after", "After.");
  w.Add({}, ctx.now);
}

TEST(ScrapeTest, FailingCollectorIsCountedAndOthersStillExport) {
  StateStore store;
  store.Update([](StateData& d) {
    FileCertState f;
    f.path = "/a.crt";
    f.facts.not_after = 2000000000;
    d.files["/a.crt#0"] = f;
  });
  const CollectorEntry table[] = {
      {"good", &CollectGood}, {"broken", &CollectThrowsHalfway}, {"after", &CollectAfter}};
  CollectContext ctx;
  ctx.now = 1700000000;
  TextWriter writer;
  ScrapeResult r = Scrape(store, ctx, writer, table);
  EXPECT_EQ(r.failed_collectors, 1);
  const std::string& text = writer.text();
  EXPECT_NE(text.find("certwatch_test_files{path=\"/a.crt\"} 2000000000\n"), std::string::npos);
  EXPECT_EQ(text.find("certwatch_test_broken"), std::string::npos) << "partial output kept";
  EXPECT_NE(text.find("certwatch_test_after 1700000000\n"), std::string::npos);
  EXPECT_NE(text.find("certwatch_collector_success{collector=\"good\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("certwatch_collector_success{collector=\"broken\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("certwatch_collector_success{collector=\"after\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("certwatch_collector_duration_seconds{collector=\"broken\"} "),
            std::string::npos);
  EXPECT_NE(
      text.find(
          "# TYPE certwatch_scrape_duration_seconds gauge\ncertwatch_scrape_duration_seconds "),
      std::string::npos);
}

TEST(ScrapeTest, RegisteredSelfCollectorsReportSourcesAndReloads) {
  StateStore store;
  store.SetSource("files", true, true, 1700000100);
  store.SetSource("kubernetes", false, false, 1700000200, "connection refused");
  store.SetSource("kubernetes", false, false, 1700000300, "connection refused");
  store.Update([](StateData& d) {
    d.config_reload.last_successful = false;
    d.config_reload.last_success = 1700000000;
    d.config_reload.failures_total = 3;
  });
  CollectContext ctx;
  std::string text = ScrapeText(store, ctx);
  for (const char* want : {
           "certwatch_source_up{source=\"files\"} 1\n",
           "certwatch_source_up{source=\"kubernetes\"} 0\n",
           "certwatch_source_last_sync_timestamp_seconds{source=\"files\"} 1700000100\n",
           "certwatch_source_errors_total{source=\"kubernetes\"} 2\n",
           "# TYPE certwatch_source_errors_total counter\n",
           "certwatch_config_last_reload_successful 0\n",
           "certwatch_config_last_reload_success_timestamp_seconds 1700000000\n",
           "certwatch_config_reload_failures_total 3\n",
           "certwatch_build_info{version=\"" CERTWATCH_VERSION "\",revision=\"",
           "certwatch_collector_success{collector=\"build_info\"} 1\n",
           "certwatch_collector_success{collector=\"sources\"} 1\n",
       }) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  }
  // Every registered collector has its success series.
  for (const auto& c : Collectors()) {
    EXPECT_NE(text.find("certwatch_collector_success{collector=\"" + std::string(c.name) + "\"}"),
              std::string::npos)
        << c.name;
  }
}

}  // namespace
}  // namespace certwatch
