// The Kubernetes source against the fake API server (a real HTTP peer speaking the watch
// protocol): exact metric values for ready, expiring, rate-limited, issuing and status-less
// certificates; changes during a watch; outage and recovery; 410 relist; missing CRDs.
#include <gtest/gtest.h>

#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "common/kube/client.h"
#include "common/kube/kubeconfig.h"
#include "common/log.h"
#include "exporter/kube/kube_source.h"
#include "exporter/scrape.h"
#include "tests/kube/fake_api_support.h"

namespace certwatch {
namespace {

using testing::FakeKubeApi;
using testing::WaitFor;

constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 24 * kHour;

std::string Ts(int64_t unix) {
  char buf[32];
  std::time_t t = unix;
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

const char kRateLimit[] =
    "Failed to create Order: 429 urn:ietf:params:acme:error:rateLimited: Error creating new "
    "order :: too many certificates (50) already issued for \\\"example.com\\\" in the last "
    "168h0m0s, retry after 2026-11-28T10:00:00Z";

std::string Cert(const std::string& name, const std::string& status_json,
                 const std::string& issuer = "letsencrypt") {
  return R"({"apiVersion":"cert-manager.io/v1","kind":"Certificate","metadata":{"name":")" + name +
         R"(","namespace":"prod"},"spec":{"secretName":")" + name + R"(-tls","dnsNames":[")" +
         name + R"(.example.com"],"issuerRef":{"name":")" + issuer +
         R"(","kind":"ClusterIssuer","group":"cert-manager.io"}})" +
         (status_json.empty() ? "" : R"(,"status":)" + status_json) + "}";
}

std::string Fixtures(int64_t now) {
  std::vector<std::string> objs;
  objs.push_back(
      R"({"apiVersion":"cert-manager.io/v1","kind":"ClusterIssuer","metadata":{"name":"letsencrypt"},
          "spec":{"acme":{"server":"https://acme-v02.api.letsencrypt.org/directory"}},
          "status":{"conditions":[{"type":"Ready","status":"True","reason":"ACMEAccountRegistered"}]}})");
  objs.push_back(
      R"({"apiVersion":"cert-manager.io/v1","kind":"Issuer","metadata":{"name":"broken-ca","namespace":"prod"},
          "spec":{"ca":{"secretName":"ca"}},
          "status":{"conditions":[{"type":"Ready","status":"False","reason":"ErrGetKeyPair","message":"secret ca not found"}]}})");
  objs.push_back(Cert("ready", R"({"conditions":[{"type":"Ready","status":"True","reason":"Ready",
      "message":"Certificate is up to date and has not expired","lastTransitionTime":")" +
                                   Ts(now - 2 * kDay) + R"("}],"notBefore":")" +
                                   Ts(now - 2 * kDay) + R"(","notAfter":")" + Ts(now + 60 * kDay) +
                                   R"(","renewalTime":")" + Ts(now + 30 * kDay) +
                                   R"(","revision":1})"));
  objs.push_back(
      Cert("expiring", R"({"conditions":[{"type":"Ready","status":"True","reason":"Ready"}],
      "notBefore":")" + Ts(now - 89 * kDay) +
                           R"(","notAfter":")" + Ts(now + kDay) + R"(","renewalTime":")" +
                           Ts(now - 3 * kHour) + R"(","revision":1})"));
  objs.push_back(Cert("limited", R"({"conditions":[
      {"type":"Ready","status":"False","reason":"Failed","message":"issuance failed"},
      {"type":"Issuing","status":"False","reason":"Failed","message":"The certificate request has failed to complete and will be retried: )" +
                                     std::string(kRateLimit) + R"("}],
      "failedIssuanceAttempts":3,"lastFailureTime":")" +
                                     Ts(now - kHour) + R"(","revision":1})"));
  objs.push_back(
      R"({"apiVersion":"cert-manager.io/v1","kind":"CertificateRequest","metadata":{"name":"limited-2","namespace":"prod",
          "annotations":{"cert-manager.io/certificate-name":"limited","cert-manager.io/certificate-revision":"2"},
          "ownerReferences":[{"apiVersion":"cert-manager.io/v1","kind":"Certificate","name":"limited","uid":"u","controller":true}]},
          "spec":{"issuerRef":{"name":"letsencrypt","kind":"ClusterIssuer","group":"cert-manager.io"}},
          "status":{"conditions":[{"type":"Approved","status":"True"},{"type":"Ready","status":"False","reason":"Failed",
            "message":"Failed to wait for order resource \"limited-2-123\" to become ready: order is in \"errored\" state: )" +
      std::string(kRateLimit) + R"("}]}})");
  objs.push_back(
      R"({"apiVersion":"acme.cert-manager.io/v1","kind":"Order","metadata":{"name":"limited-2-123","namespace":"prod",
          "ownerReferences":[{"apiVersion":"cert-manager.io/v1","kind":"CertificateRequest","name":"limited-2","uid":"u","controller":true}]},
          "spec":{"dnsNames":["limited.example.com"],"issuerRef":{"name":"letsencrypt","kind":"ClusterIssuer","group":"cert-manager.io"}},
          "status":{"state":"errored","reason":")" +
      std::string(kRateLimit) + R"("}})");
  objs.push_back(Cert("issuing", R"({"conditions":[
      {"type":"Ready","status":"False","reason":"DoesNotExist","message":"Issuing certificate as Secret does not exist"},
      {"type":"Issuing","status":"True","reason":"DoesNotExist","message":"Issuing certificate as Secret does not exist","lastTransitionTime":")" +
                                     Ts(now - 600) + R"("}]})"));
  objs.push_back(
      R"({"apiVersion":"cert-manager.io/v1","kind":"CertificateRequest","metadata":{"name":"issuing-1","namespace":"prod",
          "annotations":{"cert-manager.io/certificate-name":"issuing","cert-manager.io/certificate-revision":"1"}},
          "spec":{"issuerRef":{"name":"letsencrypt","kind":"ClusterIssuer","group":"cert-manager.io"}},
          "status":{"conditions":[{"type":"Approved","status":"True"},{"type":"Ready","status":"False","reason":"Pending","message":"Waiting on certificate issuance from order prod/issuing-1-55: \"pending\""}]}})");
  objs.push_back(
      R"({"apiVersion":"acme.cert-manager.io/v1","kind":"Order","metadata":{"name":"issuing-1-55","namespace":"prod",
          "ownerReferences":[{"kind":"CertificateRequest","name":"issuing-1","controller":true}]},
          "spec":{"dnsNames":["issuing.example.com"],"issuerRef":{"name":"letsencrypt","kind":"ClusterIssuer"}},
          "status":{"state":"pending"}})");
  objs.push_back(
      R"({"apiVersion":"acme.cert-manager.io/v1","kind":"Challenge","metadata":{"name":"issuing-1-55-77","namespace":"prod",
          "creationTimestamp":")" +
      Ts(now - 500) +
      R"(","ownerReferences":[{"kind":"Order","name":"issuing-1-55","controller":true}]},
          "spec":{"type":"DNS-01","dnsName":"issuing.example.com","key":"abc","issuerRef":{"name":"letsencrypt","kind":"ClusterIssuer"}},
          "status":{"presented":true,"processing":true,"state":"pending","reason":"Waiting for DNS-01 challenge propagation: DNS record for \"issuing.example.com\" not yet propagated"}})");
  objs.push_back(Cert("fresh", ""));
  std::string out = "[";
  for (size_t i = 0; i < objs.size(); ++i) out += (i ? "," : "") + objs[i];
  return out + "]";
}

std::string CertLabels(const std::string& name) {
  return R"(namespace="prod",name=")" + name +
         R"(",issuer_name="letsencrypt",issuer_kind="ClusterIssuer",issuer_group="cert-manager.io")";
}

class SourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    now_ = static_cast<int64_t>(clock_.NowSeconds());
    ASSERT_NE(api_.Apply(Fixtures(now_)), "");
  }
  void TearDown() override {
    if (source_) source_->Stop();
  }
  void StartSource(KubernetesConfig cfg = {}) {
    auto kc = LoadKubeconfigFiles(api_.WriteKubeconfig());
    ASSERT_TRUE(kc) << kc.error().message;
    auto client = KubeClient::Create(std::move(*kc));
    ASSERT_TRUE(client) << client.error().message;
    KubeSourceOptions opts;
    opts.config = cfg;
    opts.backoff = {std::chrono::milliseconds(100), std::chrono::milliseconds(1000), 2.0, 0.2};
    opts.classify_interval = std::chrono::milliseconds(100);
    source_ = std::make_unique<KubeSource>(std::move(*client), opts, store_, logger_, clock_);
    source_->Start();
  }
  std::string Metrics() {
    CollectContext ctx;
    ctx.now = clock_.NowSeconds();
    return ScrapeText(store_, ctx);
  }
  // The value of one exact series, or nullopt when absent.
  std::optional<double> Value(const std::string& series) {
    return testing::SeriesValue(Metrics(), series);
  }
  bool Up() { return Value(R"(certwatch_source_up{source="kubernetes"})") == 1.0; }

  SystemClock clock_;
  Logger logger_ = NullLogger();
  StateStore store_;
  FakeKubeApi api_{{"--bookmark-interval", "0.5"}};
  std::unique_ptr<KubeSource> source_;
  int64_t now_ = 0;
};

TEST_F(SourceTest, ExactMetricsForEveryCase) {
  ASSERT_EQ(api_.Control("POST", "clock", R"({"offset_seconds": 120})"), "{}");
  StartSource();
  ASSERT_TRUE(WaitFor([&] { return Up(); })) << Metrics();
  // Classification runs after the sync; wait for its result.
  ASSERT_TRUE(WaitFor([&] {
    return Value("certwatch_certificate_failure_reason{" + CertLabels("limited") +
                 R"(,reason="rate_limited"})") == 1.0;
  })) << Metrics();

  auto v = [&](const std::string& metric, const std::string& name, const std::string& extra = "") {
    return Value(metric + "{" + CertLabels(name) + extra + "}");
  };
  EXPECT_EQ(v("certwatch_certificate_expiration_timestamp_seconds", "ready"), now_ + 60 * kDay);
  EXPECT_EQ(v("certwatch_certificate_not_before_timestamp_seconds", "ready"), now_ - 2 * kDay);
  EXPECT_EQ(v("certwatch_certificate_renewal_timestamp_seconds", "ready"), now_ + 30 * kDay);
  EXPECT_EQ(v("certwatch_certificate_ready_status", "ready", R"(,condition="True")"), 1);
  EXPECT_EQ(v("certwatch_certificate_ready_status", "ready", R"(,condition="False")"), 0);
  EXPECT_EQ(v("certwatch_certificate_ready_status", "ready", R"(,condition="Unknown")"), 0);
  // metrics.sparse (the default): the healthy defaults are not exported.
  EXPECT_EQ(v("certwatch_certificate_failure_reason", "ready", R"(,reason="none")"), std::nullopt);
  EXPECT_EQ(v("certwatch_certificate_acme_rate_limited", "ready"), std::nullopt);
  EXPECT_EQ(v("certwatch_certificate_failed_issuance_attempts", "ready"), std::nullopt);
  EXPECT_EQ(v("certwatch_certificate_issuing_status", "ready"), std::nullopt);
  EXPECT_EQ(v("certwatch_certificate_info", "ready",
              R"(,secret_name="ready-tls",dns_names="ready.example.com")"),
            1);

  EXPECT_EQ(v("certwatch_certificate_expiration_timestamp_seconds", "expiring"), now_ + kDay);
  EXPECT_EQ(v("certwatch_certificate_failure_reason", "expiring", R"(,reason="renewal_overdue")"),
            1);

  EXPECT_EQ(v("certwatch_certificate_acme_rate_limited", "limited"), 1);
  EXPECT_EQ(v("certwatch_certificate_ready_status", "limited", R"(,condition="False")"), 1);
  EXPECT_EQ(v("certwatch_certificate_failed_issuance_attempts", "limited"), 3);
  EXPECT_EQ(v("certwatch_certificate_last_failure_timestamp_seconds", "limited"), now_ - kHour);
  EXPECT_EQ(v("certwatch_certificate_next_retry_timestamp_seconds", "limited"),
            now_ - kHour + 4 * kHour);
  EXPECT_EQ(v("certwatch_certificate_expiration_timestamp_seconds", "limited"), std::nullopt);
  EXPECT_EQ(
      Value(
          R"(certwatch_acme_rate_limit_errors_total{issuer_name="letsencrypt",issuer_kind="ClusterIssuer"})"),
      1);
  EXPECT_EQ(
      Value(
          R"(certwatch_acme_order_state{namespace="prod",name="limited-2-123",issuer_name="letsencrypt",issuer_kind="ClusterIssuer",state="errored"})"),
      1);

  EXPECT_EQ(v("certwatch_certificate_issuing_status", "issuing"), 1);
  EXPECT_EQ(v("certwatch_certificate_issuing_since_timestamp_seconds", "issuing"), now_ - 600);
  EXPECT_EQ(v("certwatch_certificate_failure_reason", "issuing", R"(,reason="challenge_pending")"),
            1);
  EXPECT_EQ(v("certwatch_certificate_issuing_status", "ready"), std::nullopt);  // sparse
  const std::string ch =
      R"({namespace="prod",name="issuing-1-55-77",domain="issuing.example.com",type="DNS-01")";
  EXPECT_EQ(
      Value("certwatch_acme_challenge_state" + ch.substr(0, ch.size()) + R"(,state="pending"})"),
      1);
  EXPECT_EQ(Value("certwatch_acme_challenge_presented" + ch + "}"), 1);
  EXPECT_EQ(Value("certwatch_acme_challenge_created_timestamp_seconds" + ch + "}"), now_ - 500);

  EXPECT_EQ(v("certwatch_certificate_ready_status", "fresh", R"(,condition="Unknown")"), 1);
  EXPECT_EQ(v("certwatch_certificate_failure_reason", "fresh", R"(,reason="unknown")"), 1);
  EXPECT_EQ(v("certwatch_certificate_failed_issuance_attempts", "fresh"), std::nullopt);  // sparse

  EXPECT_EQ(
      Value(
          R"(certwatch_issuer_ready_status{namespace="prod",name="broken-ca",kind="Issuer",condition="False"})"),
      1);
  EXPECT_EQ(
      Value(
          R"(certwatch_issuer_ready_status{namespace="",name="letsencrypt",kind="ClusterIssuer",condition="True"})"),
      1);

  // Budget for example.com: "ready" issued 2 days ago; "expiring" is due (renewal passed).
  EXPECT_EQ(Value(R"(certwatch_acme_rate_limit_budget_issued{registered_domain="example.com"})"),
            1);
  EXPECT_EQ(Value(R"(certwatch_acme_rate_limit_budget_due{registered_domain="example.com"})"), 1);
  EXPECT_EQ(Value(R"(certwatch_acme_rate_limit_budget_limit{registered_domain="example.com"})"),
            50);

  auto skew = Value(R"(certwatch_clock_skew_seconds{reference="kubernetes-apiserver"})");
  ASSERT_TRUE(skew);
  EXPECT_NEAR(*skew, -120, 1.5);
}

TEST_F(SourceTest, AddChangeDeleteDuringWatch) {
  StartSource();
  ASSERT_TRUE(WaitFor([&] { return Up(); }));
  const std::string exp = "certwatch_certificate_expiration_timestamp_seconds{";
  ASSERT_EQ(Value(exp + CertLabels("ready") + "}"), now_ + 60 * kDay);
  // Change, add, delete.
  api_.Apply(Cert("ready", R"({"conditions":[{"type":"Ready","status":"True"}],"notAfter":")" +
                               Ts(now_ + 90 * kDay) + R"("})"));
  api_.Apply(
      Cert("added",
           R"({"conditions":[{"type":"Ready","status":"False","reason":"Pending"}],"notAfter":")" +
               Ts(now_ + 5 * kDay) + R"("})"));
  api_.Control("DELETE", "objects", Cert("fresh", ""));
  EXPECT_TRUE(WaitFor([&] { return Value(exp + CertLabels("ready") + "}") == now_ + 90 * kDay; }));
  EXPECT_TRUE(WaitFor([&] { return Value(exp + CertLabels("added") + "}") == now_ + 5 * kDay; }));
  EXPECT_TRUE(WaitFor([&] {
    return !Value("certwatch_certificate_ready_status{" + CertLabels("fresh") +
                  R"(,condition="Unknown"})");
  }));
  EXPECT_TRUE(WaitFor([&] {
    return Value("certwatch_certificate_failure_reason{" + CertLabels("added") +
                 R"(,reason="not_ready"})") == 1.0;
  }));
  EXPECT_GE(source_->events_applied(), 3u);
}

TEST_F(SourceTest, OutageKeepsLastStateAndRecovers) {
  StartSource();
  ASSERT_TRUE(WaitFor([&] { return Up(); }));
  const std::string series =
      "certwatch_certificate_expiration_timestamp_seconds{" + CertLabels("ready") + "}";
  ASSERT_TRUE(Value(series));
  api_.Control("POST", "down", R"({"down": true})");
  ASSERT_TRUE(WaitFor([&] { return Value(R"(certwatch_source_up{source="kubernetes"})") == 0.0; }));
  EXPECT_EQ(Value(series), now_ + 60 * kDay);  // last known state stays exported
  EXPECT_GE(*Value(R"(certwatch_source_errors_total{source="kubernetes"})"), 1);
  // Changes made while down arrive after recovery.
  api_.Control("POST", "down", R"({"down": false})");
  api_.Apply(Cert("ready", R"({"conditions":[{"type":"Ready","status":"True"}],"notAfter":")" +
                               Ts(now_ + 70 * kDay) + R"("})"));
  EXPECT_TRUE(WaitFor([&] { return Up(); }, 30));
  EXPECT_TRUE(WaitFor([&] { return Value(series) == now_ + 70 * kDay; }));
}

TEST_F(SourceTest, ExpiredResourceVersionRelists) {
  StartSource();
  ASSERT_TRUE(WaitFor([&] { return Up(); }));
  const uint64_t listed = source_->objects_listed();
  // Compact: every open watch gets ERROR 410 and must relist.
  api_.Control("POST", "expire");
  api_.Control("DELETE", "objects", Cert("expiring", ""));
  EXPECT_TRUE(WaitFor([&] { return source_->objects_listed() > listed; }));
  EXPECT_TRUE(WaitFor([&] {
    return !Value("certwatch_certificate_expiration_timestamp_seconds{" + CertLabels("expiring") +
                  "}");
  }));
  EXPECT_TRUE(WaitFor([&] { return Up(); }));
  EXPECT_TRUE(
      Value("certwatch_certificate_expiration_timestamp_seconds{" + CertLabels("ready") + "}"));
}

std::string Request(const std::string& cert, int revision) {
  const std::string rev = std::to_string(revision);
  return R"({"apiVersion":"cert-manager.io/v1","kind":"CertificateRequest","metadata":{"name":")" +
         cert + "-" + rev +
         R"(","namespace":"prod","annotations":{"cert-manager.io/certificate-name":")" + cert +
         R"(","cert-manager.io/certificate-revision":")" + rev +
         R"("}},"spec":{"issuerRef":{"name":"letsencrypt","kind":"ClusterIssuer"}},
         "status":{"conditions":[{"type":"Ready","status":"True","reason":"Issued"}]}})";
}

// The names of the requests the store holds.
std::set<std::string> StoredRequests(StateStore& store) {
  return store.Read([](const StateData& d) {
    std::set<std::string> names;
    for (const auto& [key, r] : d.requests) names.insert(r.name);
    return names;
  });
}

TEST_F(SourceTest, SupersededRequestsAreNotKept) {
  // Revision 2 is issued: requests 1 and 2 are history, 3 is the one cert-manager works on.
  const std::string renewed = Cert("renewed", R"({"conditions":[{"type":"Ready","status":"True"}],
      "notAfter":")" + Ts(now_ + 60 * kDay) + R"(","revision":2})");
  ASSERT_NE(api_.Apply("[" + renewed + "," + Request("renewed", 1) + "," + Request("renewed", 2) +
                       "," + Request("renewed", 3) + "]"),
            "");
  StartSource();
  ASSERT_TRUE(WaitFor([&] { return Up(); }));
  EXPECT_EQ(StoredRequests(store_), (std::set<std::string>{"issuing-1", "limited-2", "renewed-3"}));
  // Revision 3 issued: request 3 becomes history and goes at the next classification.
  ASSERT_NE(api_.Apply(Cert("renewed", R"({"conditions":[{"type":"Ready","status":"True"}],
      "notAfter":")" + Ts(now_ + 90 * kDay) +
                                           R"(","revision":3})")),
            "");
  EXPECT_TRUE(WaitFor([&] { return !StoredRequests(store_).count("renewed-3"); }));
  // A watch event of a superseded request is not stored either.
  const uint64_t applied = source_->events_applied();
  ASSERT_NE(api_.Apply(Request("renewed", 2)), "");
  ASSERT_TRUE(WaitFor([&] { return source_->events_applied() > applied; }));
  EXPECT_FALSE(StoredRequests(store_).count("renewed-2"));
  // Nor a relist's.
  api_.Control("POST", "expire");
  ASSERT_TRUE(WaitFor([&] { return Up(); }));
  EXPECT_EQ(StoredRequests(store_), (std::set<std::string>{"issuing-1", "limited-2"}));
}

// A counter of the fake API server (GET /_fake/stats); -1 when it has none by that name.
int64_t FakeStat(const FakeKubeApi& api, const std::string& name) {
  auto stats = nlohmann::json::parse(api.Control("GET", "stats"), nullptr, false);
  return stats.is_object() ? stats.value(name, int64_t{-1}) : -1;
}

TEST_F(SourceTest, StreamingListsSyncWithoutPaginatedLists) {
  StartSource();
  ASSERT_TRUE(WaitFor([&] { return Up(); }));
  EXPECT_EQ(
      Value("certwatch_certificate_expiration_timestamp_seconds{" + CertLabels("ready") + "}"),
      now_ + 60 * kDay);
  // Every watcher listed with one watch (sendInitialEvents=true), none with a list request.
  EXPECT_GT(source_->streaming_lists(), 0u);
  EXPECT_EQ(source_->paginated_lists(), 0u);
  EXPECT_EQ(FakeStat(api_, "lists"), 0);
  EXPECT_EQ(FakeStat(api_, "watch_lists"), static_cast<int64_t>(source_->streaming_lists()));
  EXPECT_EQ(Value(R"(certwatch_source_errors_total{source="kubernetes"})"), 0);
}

TEST_F(SourceTest, ServerWithoutWatchListGetsPaginatedLists) {
  // kube-apiserver before WatchList: 422 Invalid for sendInitialEvents. No error is counted;
  // the source syncs from paginated lists.
  ASSERT_EQ(api_.Control("POST", "watch-list", R"({"enabled": false})"), "{}");
  StartSource();
  ASSERT_TRUE(WaitFor([&] { return Up(); }));
  EXPECT_EQ(
      Value("certwatch_certificate_expiration_timestamp_seconds{" + CertLabels("ready") + "}"),
      now_ + 60 * kDay);
  EXPECT_EQ(source_->streaming_lists(), 0u);
  EXPECT_GT(source_->paginated_lists(), 0u);
  EXPECT_GT(FakeStat(api_, "lists"), 0);
  EXPECT_EQ(FakeStat(api_, "watch_lists"), 0);
  EXPECT_EQ(Value(R"(certwatch_source_errors_total{source="kubernetes"})"), 0);
  // A change still arrives through the watch that follows the list.
  api_.Apply("[" + Cert("later", "") + "]");
  EXPECT_TRUE(WaitFor([&] {
    return Value("certwatch_certificate_ready_status{" + CertLabels("later") +
                 R"(,condition="Unknown"})") == 1.0;
  })) << Metrics();
}

TEST_F(SourceTest, ServerIgnoringSendInitialEventsGetsPaginatedLists) {
  // An older server that does not know the parameters serves a plain watch: its first plain
  // bookmark (every 0.5 s here) shows the initial events will never be marked as ended.
  ASSERT_EQ(api_.Control("POST", "watch-list", R"({"enabled": "ignore"})"), "{}");
  StartSource();
  ASSERT_TRUE(WaitFor([&] { return Up(); }));
  EXPECT_EQ(source_->streaming_lists(), 0u);
  EXPECT_GT(source_->paginated_lists(), 0u);
  EXPECT_EQ(Value(R"(certwatch_source_errors_total{source="kubernetes"})"), 0);
}

TEST_F(SourceTest, StreamingListOff) {
  KubernetesConfig cfg;
  cfg.watch_list = false;
  StartSource(cfg);
  ASSERT_TRUE(WaitFor([&] { return Up(); }));
  EXPECT_EQ(source_->streaming_lists(), 0u);
  EXPECT_EQ(FakeStat(api_, "watch_lists"), 0);
  EXPECT_GT(FakeStat(api_, "lists"), 0);
}

TEST_F(SourceTest, ThrottledStreamingListHonoursRetryAfter) {
  // The streaming list is a watch: throttle watches of Certificates once.
  api_.Control(
      "POST", "faults",
      R"({"count": 1, "status": 429, "retry_after": 2, "path_contains": "/certificates", "watch": true})");
  auto start = std::chrono::steady_clock::now();
  StartSource();
  ASSERT_TRUE(WaitFor([&] { return Up(); }, 30));
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(waited, 2.0);  // not the 100 ms initial backoff
  EXPECT_GE(*Value(R"(certwatch_source_errors_total{source="kubernetes"})"), 1);
}

TEST_F(SourceTest, ThrottledListHonoursRetryAfter) {
  api_.Control(
      "POST", "faults",
      R"({"count": 1, "status": 429, "retry_after": 2, "path_contains": "/certificates", "watch": false})");
  auto start = std::chrono::steady_clock::now();
  KubernetesConfig paginated;
  paginated.watch_list = false;
  StartSource(paginated);
  ASSERT_TRUE(WaitFor([&] { return Up(); }, 30));
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(waited, 2.0);  // not the 100 ms initial backoff
  EXPECT_GE(*Value(R"(certwatch_source_errors_total{source="kubernetes"})"), 1);
}

// A streaming list that meets a missing CRD says so in the same words as a paginated list:
// one 404, only on the orders' watch, so the paginated list after it succeeds.
TEST_F(SourceTest, StreamingListOfMissingCrdNamesTheCrd) {
  api_.Control("POST", "faults",
               R"({"count": 1, "status": 404, "path_contains": "/orders", "watch": true})");
  std::string seen;
  StartSource();
  ASSERT_TRUE(WaitFor([&] {
    seen = store_.Read([](const StateData& d) {
      auto it = d.sources.find("kubernetes");
      return it == d.sources.end() ? std::string() : it->second.last_error;
    });
    return seen.find("orders") != std::string::npos;
  }));
  EXPECT_NE(seen.find("(404): is the CRD installed"), std::string::npos) << seen;
  EXPECT_TRUE(WaitFor([&] { return Up(); }, 30));
}

TEST_F(SourceTest, MissingCrdIsASourceErrorNotACrash) {
  api_.Control("POST", "missing-groups", R"({"groups": ["acme.cert-manager.io"]})");
  StartSource();
  ASSERT_TRUE(WaitFor([&] {
    return store_.Read([](const StateData& d) {
      auto it = d.sources.find("kubernetes");
      return it != d.sources.end() &&
             it->second.last_error.find("acme.cert-manager.io/v1 orders") != std::string::npos;
    });
  }));
  std::string err =
      store_.Read([](const StateData& d) { return d.sources.at("kubernetes").last_error; });
  EXPECT_NE(err.find("(404)"), std::string::npos) << err;
  EXPECT_EQ(Value(R"(certwatch_source_up{source="kubernetes"})"), 0);
  // Certificates still load; the group coming back heals the source.
  EXPECT_TRUE(WaitFor([&] {
    return Value("certwatch_certificate_expiration_timestamp_seconds{" + CertLabels("ready") + "}")
        .has_value();
  }));
  api_.Control("POST", "missing-groups", R"({"groups": []})");
  EXPECT_TRUE(WaitFor([&] { return Up(); }, 30));
}

TEST_F(SourceTest, NamespacesFromConfig) {
  api_.Apply(
      R"({"apiVersion":"cert-manager.io/v1","kind":"Certificate","metadata":{"name":"other","namespace":"elsewhere"},"spec":{"issuerRef":{"name":"x"}}})");
  KubernetesConfig cfg;
  cfg.namespaces = {"prod"};
  StartSource(cfg);
  ASSERT_TRUE(WaitFor([&] { return Up(); }));
  EXPECT_TRUE(store_.Read([](const StateData& d) {
    return d.certificates.count("prod/ready") == 1 && d.certificates.count("elsewhere/other") == 0;
  }));
  // ClusterIssuers are cluster-scoped and still watched.
  EXPECT_TRUE(store_.Read(
      [](const StateData& d) { return d.issuers.count("ClusterIssuer/letsencrypt") == 1; }));
}

}  // namespace
}  // namespace certwatch
