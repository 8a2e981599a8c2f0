// The requests the Kubernetes actuator and the Lease elector make, against an in-memory API
// that records every call: method, path, content type and body, asserted exactly.
#include "renewer/kube_actuator.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "renewer/lease.h"
#include "tests/renewer/renewer_test_support.h"

namespace certwatch::renewer {
namespace {

using namespace testing;  // NOLINT(build/namespaces)
using Json = nlohmann::json;

struct Call {
  std::string method, path, content_type;
  std::string body;
};

// Objects by path; resourceVersion checked on PUT like the API server; POST creates.
class MemoryApi final : public KubeApi {
 public:
  Result<KubeResponse> Do(std::string_view method, const std::string& path, std::string_view body,
                          std::string_view content_type) override {
    calls.push_back({std::string(method), path, std::string(content_type), std::string(body)});
    KubeResponse r;
    if (fail_status) {
      r.status = fail_status;
      r.body = R"({"kind":"Status","code":500,"reason":"InternalError","message":"boom"})";
      return r;
    }
    if (method == "GET") {
      auto it = objects.find(path);
      if (it == objects.end()) return NotFound();
      r.status = 200;
      r.body = it->second.dump();
    } else if (method == "POST") {
      Json obj = Json::parse(body);
      std::string p = path + "/" + obj["metadata"]["name"].get<std::string>();
      if (objects.count(p)) {
        r.status = 409;
        r.body = R"({"kind":"Status","code":409,"reason":"AlreadyExists"})";
        return r;
      }
      obj["metadata"]["resourceVersion"] = std::to_string(++rv);
      objects[p] = obj;
      r.status = 201;
      r.body = obj.dump();
    } else if (method == "PUT") {
      std::string p = path;
      bool status_sub = p.size() > 7 && p.compare(p.size() - 7, 7, "/status") == 0;
      if (status_sub) p.resize(p.size() - 7);
      auto it = objects.find(p);
      if (it == objects.end()) return NotFound();
      Json obj = Json::parse(body);
      if (conflicts > 0 || obj["metadata"].value("resourceVersion", "") !=
                               it->second["metadata"].value("resourceVersion", "")) {
        if (conflicts > 0) --conflicts;
        r.status = 409;
        r.body = R"({"kind":"Status","code":409,"reason":"Conflict","message":"modified"})";
        return r;
      }
      obj["metadata"]["resourceVersion"] = std::to_string(++rv);
      it->second = obj;
      r.status = 200;
      r.body = obj.dump();
    } else if (method == "DELETE") {
      if (!objects.erase(path)) return NotFound();
      r.status = 200;
      r.body = "{}";
    } else if (method == "PATCH") {
      if (!objects.count(path)) return NotFound();
      r.status = 200;
      r.body = objects[path].dump();
    }
    return r;
  }
  KubeResponse NotFound() {
    KubeResponse r;
    r.status = 404;
    r.body = R"({"kind":"Status","code":404,"reason":"NotFound","message":"not found"})";
    return r;
  }
  std::map<std::string, Json> objects;
  std::vector<Call> calls;
  int rv = 100;
  int conflicts = 0;
  long fail_status = 0;
};

const std::string kCertPath = "/apis/cert-manager.io/v1/namespaces/default/certificates/web";

Json CertObject(Json conditions) {
  return Json{
      {"apiVersion", "cert-manager.io/v1"},
      {"kind", "Certificate"},
      {"metadata",
       {{"name", "web"}, {"namespace", "default"}, {"generation", 4}, {"resourceVersion", "7"}}},
      {"spec", {{"secretName", "web-tls"}, {"issuerRef", {{"name", "le"}}}}},
      {"status", {{"conditions", conditions}}}};
}

PlannedAction Action(ActionKind kind, ObjectRef target) {
  PlannedAction a;
  a.kind = kind;
  a.certificate = "default/web";
  a.target = std::move(target);
  a.event_object = CertificateRef("default", "web");
  return a;
}

TEST(KubeActuator, ReissueIsCmctlRenewStatusUpdate) {
  MemoryApi api;
  api.objects[kCertPath] = CertObject(Json::array(
      {{{"type", "Ready"}, {"status", "False"}, {"reason", "Failed"}, {"message", "x"}}}));
  KubeActuator act(api, "me");
  ASSERT_TRUE(
      act.Execute(Action(ActionKind::kReissue, CertificateRef("default", "web")), At(kNow)));
  ASSERT_EQ(api.calls.size(), 2u);
  EXPECT_EQ(api.calls[0].method, "GET");
  EXPECT_EQ(api.calls[0].path, kCertPath);
  EXPECT_EQ(api.calls[1].method, "PUT");
  EXPECT_EQ(api.calls[1].path, kCertPath + "/status");
  EXPECT_EQ(api.calls[1].content_type, "application/json");
  Json sent = Json::parse(api.calls[1].body);
  Json want = CertObject(
      Json::array({{{"type", "Ready"}, {"status", "False"}, {"reason", "Failed"}, {"message", "x"}},
                   {{"type", "Issuing"},
                    {"status", "True"},
                    {"lastTransitionTime", "2026-11-27T12:00:00Z"},
                    {"reason", "ManuallyTriggered"},
                    {"message", "Certificate re-issuance manually triggered"},
                    {"observedGeneration", 4}}}));
  EXPECT_EQ(sent, want) << sent.dump(2);
}

TEST(KubeActuator, ReissueReplacesIssuingConditionLikeSetCertificateCondition) {
  for (std::string status : {"True", "False"}) {
    MemoryApi api;
    api.objects[kCertPath] =
        CertObject(Json::array({{{"type", "Issuing"},
                                 {"status", status},
                                 {"lastTransitionTime", "2026-11-01T00:00:00Z"},
                                 {"reason", "Failed"}}}));
    KubeActuator act(api, "me");
    ASSERT_TRUE(
        act.Execute(Action(ActionKind::kReissue, CertificateRef("default", "web")), At(kNow)));
    Json conds = Json::parse(api.calls.back().body)["status"]["conditions"];
    ASSERT_EQ(conds.size(), 1u);
    EXPECT_EQ(conds[0]["reason"], "ManuallyTriggered");
    // Unchanged status keeps its transition time; a change stamps now.
    EXPECT_EQ(conds[0]["lastTransitionTime"],
              status == "True" ? "2026-11-01T00:00:00Z" : "2026-11-27T12:00:00Z");
  }
}

TEST(KubeActuator, ReissueRetriesOnceOnConflict) {
  MemoryApi api;
  api.objects[kCertPath] = CertObject(Json::array());
  api.conflicts = 1;
  KubeActuator act(api, "me");
  ASSERT_TRUE(
      act.Execute(Action(ActionKind::kReissue, CertificateRef("default", "web")), At(kNow)));
  ASSERT_EQ(api.calls.size(), 4u);  // GET PUT(409) GET PUT
  api.conflicts = 5;
  Status st = act.Execute(Action(ActionKind::kReissue, CertificateRef("default", "web")), At(kNow));
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("Certificate default/web"), std::string::npos);
}

TEST(KubeActuator, DeletesAndPatchesHitExactPaths) {
  struct C {
    PlannedAction action;
    std::string method, path, content_type;
    Json body;  // null: no body
  };
  PlannedAction sw = Action(ActionKind::kSwitchIssuer, CertificateRef("default", "web"));
  sw.from = IssuerRef{"letsencrypt-prod", "ClusterIssuer", "cert-manager.io"};
  sw.to = IssuerRef{"zerossl-prod", "ClusterIssuer", "cert-manager.io"};
  PlannedAction back = sw;
  back.kind = ActionKind::kSwitchIssuerBack;
  std::swap(back.from, back.to);
  PlannedAction ing = sw;
  ing.kind = ActionKind::kSwitchIngressIssuer;
  ing.target = ObjectRef{"networking.k8s.io/v1", "Ingress", "default", "web-ing"};
  PlannedAction ing_issuer = ing;
  ing_issuer.to = IssuerRef{"local-ca", "Issuer", "cert-manager.io"};
  PlannedAction ing_ext = ing;
  ing_ext.to = IssuerRef{"vault", "VaultIssuer", "vault.example.com"};
  std::vector<C> cases = {
      {Action(ActionKind::kDeleteChallenge,
              {"acme.cert-manager.io/v1", "Challenge", "default", "web-1-2-3"}),
       "DELETE", "/apis/acme.cert-manager.io/v1/namespaces/default/challenges/web-1-2-3",
       "application/json", nullptr},
      {Action(ActionKind::kDeleteCertificateRequest,
              {"cert-manager.io/v1", "CertificateRequest", "default", "web-3"}),
       "DELETE", "/apis/cert-manager.io/v1/namespaces/default/certificaterequests/web-3",
       "application/json", nullptr},
      {Action(ActionKind::kDeleteSecret, {"v1", "Secret", "default", "web-tls"}), "DELETE",
       "/api/v1/namespaces/default/secrets/web-tls", "application/json", nullptr},
      {sw, "PATCH", kCertPath, "application/merge-patch+json",
       Json{{"metadata",
             {{"annotations",
               {{"certwatch.io/fallback-from", "ClusterIssuer.cert-manager.io/letsencrypt-prod"},
                {"certwatch.io/fallback-at", "2026-11-27T12:00:00Z"}}}}},
            {"spec",
             {{"issuerRef",
               {{"name", "zerossl-prod"},
                {"kind", "ClusterIssuer"},
                {"group", "cert-manager.io"}}}}}}},
      {back, "PATCH", kCertPath, "application/merge-patch+json",
       Json{{"metadata",
             {{"annotations",
               {{"certwatch.io/fallback-from", nullptr}, {"certwatch.io/fallback-at", nullptr}}}}},
            {"spec",
             {{"issuerRef",
               {{"name", "letsencrypt-prod"},
                {"kind", "ClusterIssuer"},
                {"group", "cert-manager.io"}}}}}}},
      {ing, "PATCH", "/apis/networking.k8s.io/v1/namespaces/default/ingresses/web-ing",
       "application/merge-patch+json",
       Json{{"metadata",
             {{"annotations",
               {{"certwatch.io/fallback-from", "ClusterIssuer.cert-manager.io/letsencrypt-prod"},
                {"certwatch.io/fallback-at", "2026-11-27T12:00:00Z"},
                {"cert-manager.io/cluster-issuer", "zerossl-prod"},
                {"cert-manager.io/issuer", nullptr},
                {"cert-manager.io/issuer-kind", nullptr},
                {"cert-manager.io/issuer-group", nullptr}}}}}}},
      {ing_issuer, "PATCH", "/apis/networking.k8s.io/v1/namespaces/default/ingresses/web-ing",
       "application/merge-patch+json",
       Json{{"metadata",
             {{"annotations",
               {{"certwatch.io/fallback-from", "ClusterIssuer.cert-manager.io/letsencrypt-prod"},
                {"certwatch.io/fallback-at", "2026-11-27T12:00:00Z"},
                {"cert-manager.io/cluster-issuer", nullptr},
                {"cert-manager.io/issuer", "local-ca"},
                {"cert-manager.io/issuer-kind", nullptr},
                {"cert-manager.io/issuer-group", nullptr}}}}}}},
      {ing_ext, "PATCH", "/apis/networking.k8s.io/v1/namespaces/default/ingresses/web-ing",
       "application/merge-patch+json",
       Json{{"metadata",
             {{"annotations",
               {{"certwatch.io/fallback-from", "ClusterIssuer.cert-manager.io/letsencrypt-prod"},
                {"certwatch.io/fallback-at", "2026-11-27T12:00:00Z"},
                {"cert-manager.io/cluster-issuer", nullptr},
                {"cert-manager.io/issuer", "vault"},
                {"cert-manager.io/issuer-kind", "VaultIssuer"},
                {"cert-manager.io/issuer-group", "vault.example.com"}}}}}}},
      {Action(ActionKind::kRestartWorkload, {"apps/v1", "Deployment", "default", "web"}), "PATCH",
       "/apis/apps/v1/namespaces/default/deployments/web", "application/strategic-merge-patch+json",
       Json{{"spec",
             {{"template",
               {{"metadata",
                 {{"annotations",
                   {{"kubectl.kubernetes.io/restartedAt", "2026-11-27T12:00:00Z"}}}}}}}}}}},
  };
  for (const C& c : cases) {
    SCOPED_TRACE(c.path);
    MemoryApi api;
    api.objects[c.path] = Json::object();
    KubeActuator act(api, "me");
    Status st = act.Execute(c.action, At(kNow));
    ASSERT_TRUE(st) << st.error().message;
    ASSERT_EQ(api.calls.size(), 1u);
    EXPECT_EQ(api.calls[0].method, c.method);
    EXPECT_EQ(api.calls[0].path, c.path);
    EXPECT_EQ(api.calls[0].content_type, c.content_type);
    if (c.body.is_null()) {
      EXPECT_TRUE(api.calls[0].body.empty());
    } else {
      EXPECT_EQ(Json::parse(api.calls[0].body), c.body) << api.calls[0].body;
    }
  }
}

TEST(KubeActuator, DeleteOfAGoneObjectIsDoneAndErrorsNameTheObject) {
  MemoryApi api;
  KubeActuator act(api, "me");
  EXPECT_TRUE(
      act.Execute(Action(ActionKind::kDeleteSecret, {"v1", "Secret", "default", "x"}), At(kNow)));
  api.fail_status = 500;
  Status st =
      act.Execute(Action(ActionKind::kDeleteSecret, {"v1", "Secret", "default", "x"}), At(kNow));
  ASSERT_FALSE(st);
  EXPECT_NE(
      st.error().message.find("Secret default/x: DELETE /api/v1/namespaces/default/secrets/x"),
      std::string::npos)
      << st.error().message;
}

TEST(KubeActuator, EventBody) {
  MemoryApi api;
  KubeActuator act(api, "pod-1");
  ASSERT_TRUE(act.RecordEvent(EventRecord{CertificateRef("default", "web"), "Reissue", "why",
                                          "Normal", "default/web", "reissue"},
                              At(kNow)));
  ASSERT_EQ(api.calls.size(), 1u);
  EXPECT_EQ(api.calls[0].method, "POST");
  EXPECT_EQ(api.calls[0].path, "/api/v1/namespaces/default/events");
  Json ev = Json::parse(api.calls[0].body);
  EXPECT_EQ(ev["involvedObject"], (Json{{"apiVersion", "cert-manager.io/v1"},
                                        {"kind", "Certificate"},
                                        {"name", "web"},
                                        {"namespace", "default"}}));
  EXPECT_EQ(ev["reason"], "Reissue");
  EXPECT_EQ(ev["type"], "Normal");
  EXPECT_EQ(ev["message"], "why");
  EXPECT_EQ(ev["source"]["component"], "certwatch-renewer");
  EXPECT_EQ(ev["reportingInstance"], "pod-1");
  EXPECT_EQ(ev["metadata"]["namespace"], "default");
  EXPECT_EQ(ev["metadata"]["name"].get<std::string>().rfind("web.", 0), 0u);
  EXPECT_EQ(ev["metadata"]["annotations"], (Json{{"certwatch.io/certificate", "default/web"},
                                                 {"certwatch.io/action", "reissue"}}));
}

// --- Lease ---

struct Elector {
  Elector(MemoryApi& api, FakeClock& clock, const std::string& id)
      : e(api, clock, LeaseOptions{"certwatch", "renewer", id, std::chrono::seconds(15)}, log) {}
  std::ostringstream out;
  Logger log{out};
  LeaderElector e;
};

const std::string kLeasePath = "/apis/coordination.k8s.io/v1/namespaces/certwatch/leases/renewer";

TEST(LeaderElector, NamespaceConventionAndHints) {
  EXPECT_EQ(DefaultLeaseNamespace(""), "default");
  EXPECT_EQ(DefaultLeaseNamespace("certwatch"), "certwatch");
  const std::string missing =
      "POST /apis/coordination.k8s.io/v1/namespaces/certwatch/leases: 404 NotFound: "
      "namespaces \"certwatch\" not found";
  EXPECT_NE(LeaseErrorHint(missing, "certwatch").find("renewer.lease_namespace"),
            std::string::npos);
  EXPECT_NE(LeaseErrorHint("GET ...: 403 Forbidden: leases is forbidden", "certwatch")
                .find("leases.coordination.k8s.io in namespace certwatch"),
            std::string::npos);
  EXPECT_EQ(LeaseErrorHint("connection refused", "certwatch"), "");
}

TEST(LeaderElector, AcquireRenewExpireTakeOver) {
  MemoryApi api;
  FakeClock clock(kNow);
  Elector a(api, clock, "a"), b(api, clock, "b");

  EXPECT_TRUE(a.e.Tick());  // creates the Lease
  EXPECT_EQ(api.calls[1].method, "POST");
  EXPECT_EQ(api.calls[1].path, "/apis/coordination.k8s.io/v1/namespaces/certwatch/leases");
  Json lease = api.objects.at(kLeasePath);
  EXPECT_EQ(lease["spec"]["holderIdentity"], "a");
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 15);
  EXPECT_EQ(lease["spec"]["renewTime"], "2026-11-27T12:00:00.000000Z");
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 0);

  EXPECT_FALSE(b.e.Tick());  // held, freshly observed
  clock.Advance(std::chrono::seconds(5));
  EXPECT_TRUE(a.e.Tick());  // renews
  EXPECT_EQ(api.objects.at(kLeasePath)["spec"]["renewTime"], "2026-11-27T12:00:05.000000Z");
  EXPECT_EQ(api.objects.at(kLeasePath)["spec"]["acquireTime"], "2026-11-27T12:00:00.000000Z");
  clock.Advance(std::chrono::seconds(12));
  EXPECT_FALSE(b.e.Tick());  // renewed 12s ago on b's clock: still held

  // a stops renewing; b takes over once it has seen no change for 15s.
  clock.Advance(std::chrono::seconds(14));
  EXPECT_FALSE(b.e.Tick());
  clock.Advance(std::chrono::seconds(2));
  EXPECT_TRUE(b.e.Tick());
  lease = api.objects.at(kLeasePath);
  EXPECT_EQ(lease["spec"]["holderIdentity"], "b");
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 1);

  // a comes back: it sees b's fresh record and steps down.
  EXPECT_FALSE(a.e.Tick());
  EXPECT_FALSE(a.e.leader());
}

TEST(LeaderElector, ConflictLosesTheRoundAndReleaseHandsOver) {
  MemoryApi api;
  FakeClock clock(kNow);
  Elector a(api, clock, "a"), b(api, clock, "b");
  EXPECT_TRUE(a.e.Tick());
  api.conflicts = 1;
  clock.Advance(std::chrono::seconds(5));
  EXPECT_FALSE(a.e.Tick());  // someone wrote between GET and PUT

  EXPECT_TRUE(a.e.Tick());
  a.e.Release();
  EXPECT_EQ(api.objects.at(kLeasePath)["spec"]["holderIdentity"], "");
  EXPECT_TRUE(b.e.Tick());  // no waiting for expiry after a release
}

TEST(LeaderElector, ApiErrorMeansNotLeader) {
  MemoryApi api;
  FakeClock clock(kNow);
  Elector a(api, clock, "a");
  EXPECT_TRUE(a.e.Tick());
  api.fail_status = 500;
  EXPECT_FALSE(a.e.Tick());
}

}  // namespace
}  // namespace certwatch::renewer
