// The state reader against a real HTTP server in the process: the exporter's own serialiser
// (StateToJson) round-trips through it, including the fields only the renewer uses; errors
// name the URL and what went wrong.
#include "renewer/state_reader.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "state/state_api.h"
#include "tests/renewer/renewer_test_support.h"

namespace certwatch::renewer {
namespace {

using namespace testing;  // NOLINT(build/namespaces)

class Server {
 public:
  explicit Server(std::function<void(httplib::Response&)> answer) : answer_(std::move(answer)) {
    server_.Get("/api/v1/state",
                [this](const httplib::Request&, httplib::Response& res) { answer_(res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    // Bound before listening: early connections wait in the backlog.
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Server() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/api/v1/state"; }

 private:
  std::function<void(httplib::Response&)> answer_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

TEST(StateReader, RoundTripsTheExporterDocument) {
  StateData d;
  CertificateState c = OverdueCert("shop", "web");
  c.labels = {{"team", "shop"}};
  c.certwatch_annotations = {{"certwatch.io/fallback-from", "ClusterIssuer.cert-manager.io/x"}};
  c.owner_ingress = "web-ing";
  c.acme_rate_limited = true;
  c.failure = FailureReason::kRateLimited;
  d.certificates["shop/web"] = c;
  d.sources["kubernetes"].synced = true;
  d.renewer_last_action["shop/web"].at = kNow - 60;
  std::string json = StateToJson(d, {"kubernetes"}, kNow);
  Server server([&](httplib::Response& res) { res.set_content(json, "application/json"); });

  auto snap = HttpStateReader(server.url()).Read();
  ASSERT_TRUE(snap) << snap.error().message;
  EXPECT_TRUE(snap->synced);
  EXPECT_EQ(snap->generated_at, kNow);
  const CertificateState& got = snap->data.certificates.at("shop/web");
  EXPECT_EQ(got.labels, c.labels);
  EXPECT_EQ(got.certwatch_annotations, c.certwatch_annotations);
  EXPECT_EQ(got.owner_ingress, "web-ing");
  EXPECT_EQ(got.renewal_time, c.renewal_time);
  EXPECT_TRUE(got.acme_rate_limited);
  EXPECT_EQ(got.failure, FailureReason::kRateLimited);
  EXPECT_EQ(snap->data.renewer_last_action.at("shop/web").at, kNow - 60);

  // A required source that has not synced makes the document unsynced.
  json = StateToJson(d, {"kubernetes", "tls_probes"}, kNow);
  snap = HttpStateReader(server.url()).Read();
  ASSERT_TRUE(snap);
  EXPECT_FALSE(snap->synced);
}

TEST(StateReader, Errors) {
  {
    Server server([](httplib::Response& res) {
      res.status = 503;
      res.set_content("not ready", "text/plain");
    });
    auto snap = HttpStateReader(server.url()).Read();
    ASSERT_FALSE(snap);
    EXPECT_NE(snap.error().message.find("HTTP 503"), std::string::npos) << snap.error().message;
    EXPECT_EQ(snap.error().message.rfind("state " + server.url(), 0), 0u);
  }
  {
    Server server([](httplib::Response& res) { res.set_content("{not json", "application/json"); });
    auto snap = HttpStateReader(server.url()).Read();
    ASSERT_FALSE(snap);
    EXPECT_NE(snap.error().message.find("state document"), std::string::npos);
  }
  {
    Server server([](httplib::Response& res) { res.set_content("[1,2]", "application/json"); });
    EXPECT_FALSE(HttpStateReader(server.url()).Read());
  }
  std::string url;
  {
    Server server([](httplib::Response& res) { res.set_content("{}", "application/json"); });
    url = server.url();
    auto snap = HttpStateReader(url).Read();
    ASSERT_TRUE(snap);  // an empty document is a valid, unsynced state
    EXPECT_FALSE(snap->synced);
  }
  auto refused = HttpStateReader(url, 2000).Read();  // server gone
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message.rfind("state " + url, 0), 0u);
}

}  // namespace
}  // namespace certwatch::renewer
