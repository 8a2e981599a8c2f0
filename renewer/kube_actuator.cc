#include "renewer/kube_actuator.h"

#include <nlohmann/json.hpp>

#include "renewer/controller.h"

namespace certwatch::renewer {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kMergePatch = "application/merge-patch+json";
constexpr std::string_view kStrategicPatch = "application/strategic-merge-patch+json";

struct Kind {
  std::string_view kind, prefix, plural;
};
constexpr Kind kKinds[] = {
    {"Certificate", "/apis/cert-manager.io/v1", "certificates"},
    {"CertificateRequest", "/apis/cert-manager.io/v1", "certificaterequests"},
    {"Challenge", "/apis/acme.cert-manager.io/v1", "challenges"},
    {"Secret", "/api/v1", "secrets"},
    {"Ingress", "/apis/networking.k8s.io/v1", "ingresses"},
    {"Deployment", "/apis/apps/v1", "deployments"},
    {"StatefulSet", "/apis/apps/v1", "statefulsets"},
    {"DaemonSet", "/apis/apps/v1", "daemonsets"},
};

std::string Describe(const ObjectRef& ref) { return ref.kind + " " + ref.Key(); }

Error HttpError(std::string_view method, const std::string& path, const KubeResponse& r) {
  return Error{std::string(method) + " " + path + ": " + r.Describe()};
}

// Go's hex form of UnixNano, as client-go names Events: "<object>.<hex>".
std::string EventName(const std::string& object, TimePoint now) {
  char buf[32];
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(ns));
  return object + "." + buf;
}

Json Annotations(const IssuerRef* original, TimePoint now) {
  Json a = Json::object();
  if (original) {
    a[std::string(kFallbackFromAnnotation)] = IssuerString(*original);
    a[std::string(kFallbackAtAnnotation)] = KubeTime(now);
  } else {  // switching back: the bookkeeping goes
    a[std::string(kFallbackFromAnnotation)] = nullptr;
    a[std::string(kFallbackAtAnnotation)] = nullptr;
  }
  return a;
}

}  // namespace

std::string KubeTime(TimePoint t) { return FormatTime(t); }

std::string KubeMicroTime(TimePoint t) {
  std::string s = FormatTime(t);  // ...SSZ
  auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() % 1000000;
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(us < 0 ? 0 : us));
  s.insert(s.size() - 1, frac);
  return s;
}

Result<std::string> ObjectPath(const ObjectRef& ref) {
  for (const Kind& k : kKinds) {
    if (k.kind != ref.kind) continue;
    return std::string(k.prefix) + "/namespaces/" + ref.ns + "/" + std::string(k.plural) + "/" +
           ref.name;
  }
  return Error{Describe(ref) + ": the renewer does not write this kind"};
}

std::string IssuerRefPatch(const IssuerRef& to, const IssuerRef* original, TimePoint now) {
  Json p;
  p["metadata"]["annotations"] = Annotations(original, now);
  p["spec"]["issuerRef"] = {{"name", to.name}, {"kind", to.kind}, {"group", to.group}};
  return p.dump();
}

std::string IngressIssuerPatch(const IssuerRef& to, const IssuerRef* original, TimePoint now) {
  Json a = Annotations(original, now);
  // ingress-shim reads cluster-issuer for ClusterIssuers, issuer (+ issuer-kind and
  // issuer-group for external issuers) otherwise; the other keys are removed so that exactly
  // one issuer is named.
  const bool cluster = to.kind == "ClusterIssuer" && to.group == "cert-manager.io";
  const bool external = to.group != "cert-manager.io";
  a["cert-manager.io/cluster-issuer"] = cluster ? Json(to.name) : Json(nullptr);
  a["cert-manager.io/issuer"] = cluster ? Json(nullptr) : Json(to.name);
  a["cert-manager.io/issuer-kind"] = external ? Json(to.kind) : Json(nullptr);
  a["cert-manager.io/issuer-group"] = external ? Json(to.group) : Json(nullptr);
  Json p;
  p["metadata"]["annotations"] = std::move(a);
  return p.dump();
}

std::string RestartPatch(TimePoint now) {
  Json p;
  p["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"] =
      KubeTime(now);
  return p.dump();
}

Status KubeActuator::Execute(const PlannedAction& a, TimePoint now) {
  switch (a.kind) {
    case ActionKind::kReissue:
      return Reissue(a, now);
    case ActionKind::kDeleteChallenge:
    case ActionKind::kDeleteCertificateRequest:
    case ActionKind::kDeleteSecret:
      return Delete(a);
    case ActionKind::kSwitchIssuer:
      return Patch(a, IssuerRefPatch(a.to, &a.from, now), kMergePatch);
    case ActionKind::kSwitchIssuerBack:
      return Patch(a, IssuerRefPatch(a.to, nullptr, now), kMergePatch);
    case ActionKind::kSwitchIngressIssuer:
      return Patch(a, IngressIssuerPatch(a.to, &a.from, now), kMergePatch);
    case ActionKind::kSwitchIngressIssuerBack:
      return Patch(a, IngressIssuerPatch(a.to, nullptr, now), kMergePatch);
    case ActionKind::kRestartWorkload:
      return Patch(a, RestartPatch(now), kStrategicPatch);
  }
  return Error{"unknown action"};
}

Status KubeActuator::Reissue(const PlannedAction& a, TimePoint now) {
  auto path = ObjectPath(a.target);
  if (!path) return path.error();
  // Two tries: a 409 means the object changed between GET and PUT; re-read and re-apply.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto got = api_.Do("GET", *path, {}, kJsonContentType);
    if (!got) return got.error().Wrap(Describe(a.target));
    if (!got->ok()) return HttpError("GET", *path, *got).Wrap(Describe(a.target));
    Json crt = Json::parse(got->body, nullptr, false);
    if (crt.is_discarded() || !crt.is_object()) {
      return Error{Describe(a.target) + ": GET " + *path + ": body is not a JSON object"};
    }
    int64_t generation = 0;
    if (auto md = crt.find("metadata"); md != crt.end() && md->is_object()) {
      generation = md->value("generation", int64_t{0});
    }
    Json& status = crt["status"];
    if (!status.is_object()) status = Json::object();
    Json& conditions = status["conditions"];
    if (!conditions.is_array()) conditions = Json::array();

    // cert-manager's SetCertificateCondition, as cmctl renew calls it.
    Json cond;
    cond["type"] = "Issuing";
    cond["status"] = "True";
    cond["lastTransitionTime"] = KubeTime(now);
    cond["reason"] = "ManuallyTriggered";
    cond["message"] = "Certificate re-issuance manually triggered";
    cond["observedGeneration"] = generation;
    bool replaced = false;
    for (Json& c : conditions) {
      if (!c.is_object() || c.value("type", "") != "Issuing") continue;
      if (c.value("status", "") == "True" && c.contains("lastTransitionTime")) {
        cond["lastTransitionTime"] = c["lastTransitionTime"];
      }
      c = cond;
      replaced = true;
      break;
    }
    if (!replaced) conditions.push_back(cond);

    const std::string status_path = *path + "/status";
    auto put = api_.Do("PUT", status_path, crt.dump(), kJsonContentType);
    if (!put) return put.error().Wrap(Describe(a.target));
    if (put->status == 409 && attempt == 0) continue;
    if (!put->ok()) return HttpError("PUT", status_path, *put).Wrap(Describe(a.target));
    return OkStatus();
  }
  return Error{Describe(a.target) + ": status update kept conflicting"};
}

Status KubeActuator::Delete(const PlannedAction& a) {
  auto path = ObjectPath(a.target);
  if (!path) return path.error();
  auto r = api_.Do("DELETE", *path, {}, kJsonContentType);
  if (!r) return r.error().Wrap(Describe(a.target));
  if (r->status == 404) return OkStatus();  // already gone: what the action wanted
  if (!r->ok()) return HttpError("DELETE", *path, *r).Wrap(Describe(a.target));
  return OkStatus();
}

Status KubeActuator::Patch(const PlannedAction& a, const std::string& body,
                           std::string_view content_type) {
  auto path = ObjectPath(a.target);
  if (!path) return path.error();
  auto r = api_.Do("PATCH", *path, body, content_type);
  if (!r) return r.error().Wrap(Describe(a.target));
  if (!r->ok()) return HttpError("PATCH", *path, *r).Wrap(Describe(a.target));
  return OkStatus();
}

Status KubeActuator::RecordEvent(const EventRecord& event, TimePoint now) {
  const ObjectRef& on = event.on;
  const std::string& message = event.message;
  Json ev;
  ev["apiVersion"] = "v1";
  ev["kind"] = "Event";
  ev["metadata"] = {{"name", EventName(on.name, now)}, {"namespace", on.ns}};
  if (!event.certificate.empty()) {
    ev["metadata"]["annotations"] = {{std::string(kEventCertificateAnnotation), event.certificate},
                                     {std::string(kEventActionAnnotation), event.action}};
  }
  ev["involvedObject"] = {
      {"apiVersion", on.api_version}, {"kind", on.kind}, {"name", on.name}, {"namespace", on.ns}};
  ev["reason"] = event.reason;
  // The API server caps Event messages at 1024 bytes.
  ev["message"] = message.size() > 1024 ? message.substr(0, 1021) + "..." : message;
  ev["type"] = event.type;
  ev["source"] = {{"component", kComponent}};
  ev["firstTimestamp"] = KubeTime(now);
  ev["lastTimestamp"] = KubeTime(now);
  ev["count"] = 1;
  ev["reportingComponent"] = kComponent;
  ev["reportingInstance"] = identity_;
  const std::string path = "/api/v1/namespaces/" + on.ns + "/events";
  auto r = api_.Do("POST", path, ev.dump(-1, ' ', false, Json::error_handler_t::replace),
                   kJsonContentType);
  if (!r) return r.error().Wrap("Event on " + Describe(on));
  if (!r->ok()) return HttpError("POST", path, *r).Wrap("Event on " + Describe(on));
  return OkStatus();
}

}  // namespace certwatch::renewer
