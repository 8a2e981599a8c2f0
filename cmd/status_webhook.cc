// `certwatch status webhook NAME`: the caBundle walk for one webhook configuration, APIService
// or CRD conversion webhook named NAME: configuration -> service -> endpoints -> served chain
// -> caBundle, ending in one verdict line. Exit 0 when every caBundle verifies what is served,
// 1 when one does not, 2 usage or config error or nothing of that name.
#include <simdjson.h>

#include <iostream>
#include <sstream>

#include "cmd/commands.h"
#include "cmd/status_session.h"
#include "common/clock.h"
#include "common/kube/client.h"
#include "common/strings.h"
#include "common/time.h"
#include "config/address.h"
#include "config/config.h"
#include "exporter/kube/decode_ca_bundles.h"
#include "probes/ca_bundle_targets.h"
#include "probes/event_loop.h"
#include "probes/tls.h"
#include "state/keys.h"

namespace certwatch {
namespace {

namespace od = simdjson::ondemand;

struct WebhookArgs {
  std::string name;
  std::string kubeconfig;
  std::string config;
  bool no_probes = false;
};

struct KindPath {
  const char* kind;
  const char* collection;
  void (*decode)(od::object, CaBundleObjectState&, DecodeOutput&);
};

constexpr KindPath kKinds[] = {
    {"ValidatingWebhookConfiguration",
     "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/",
     &DecodeValidatingWebhookConfiguration},
    {"MutatingWebhookConfiguration",
     "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/",
     &DecodeMutatingWebhookConfiguration},
    {"APIService", "/apis/apiregistration.k8s.io/v1/apiservices/", &DecodeApiService},
    {"CustomResourceDefinition", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/",
     &DecodeCrdConversion},
};

// Decodes one object of a GET body with `fn`; an Error for JSON that is not an object.
template <typename T, typename Fn>
Result<T> DecodeBody(std::string body, Fn fn, std::string* warning) {
  simdjson::padded_string padded(body);
  od::parser parser;
  T out;
  try {
    od::document doc = parser.iterate(padded);
    DecodeOutput d;
    fn(doc.get_object(), out, d);
    if (warning && !d.warning.empty()) *warning = d.warning;
  } catch (const simdjson::simdjson_error& e) {
    return Error{std::string("undecodable JSON: ") + e.what()};
  }
  return out;
}

// The Service and EndpointSlices of each entry's service into `state`.
Status ReadServices(KubeClient& client, StateData& state, std::ostream& warn) {
  std::set<std::string> done;
  for (const auto& [key, object] : state.ca_bundles) {
    for (const auto& e : object.entries) {
      const WebhookClientConfig& c = e.client;
      if (c.service_name.empty()) continue;
      const std::string svc_key = ObjectKey(c.service_namespace, c.service_name);
      if (!done.insert(svc_key).second) continue;
      auto svc = client.Do(
          "GET", "/api/v1/namespaces/" + c.service_namespace + "/services/" + c.service_name);
      if (!svc) return svc.error();
      if (svc->status == 404) continue;  // the walk says "not found"
      if (!svc->ok()) return Error{"GET Service " + svc_key + ": " + svc->Describe()};
      std::string warning;
      auto decoded = DecodeBody<ServiceState>(std::move(svc->body), &DecodeService, &warning);
      if (!decoded) return Error{"Service " + svc_key + ": " + decoded.error().message};
      if (!warning.empty()) warn << "warning: " << warning << "\n";
      state.services[svc_key] = std::move(*decoded);
      auto slices = client.Get("/apis/discovery.k8s.io/v1/namespaces/" + c.service_namespace +
                               "/endpointslices?labelSelector=" +
                               QueryEscape("kubernetes.io/service-name=" + c.service_name));
      if (!slices) return slices.error();
      simdjson::padded_string padded(*slices);
      od::parser parser;
      try {
        od::document doc = parser.iterate(padded);
        for (auto item : doc["items"].get_array()) {
          DecodeOutput d;
          EndpointSliceState slice;
          DecodeEndpointSlice(item.get_object(), slice, d);
          if (!d.warning.empty()) warn << "warning: " << d.warning << "\n";
          state.endpoint_slices[ObjectKey(slice.ns, slice.name)] = std::move(slice);
        }
      } catch (const simdjson::simdjson_error& e) {
        return Error{"EndpointSlices of " + svc_key + ": undecodable JSON: " + e.what()};
      }
    }
  }
  return OkStatus();
}

// Probes every target at once on one event loop.
std::vector<TlsProbeReport> ProbeAll(const std::vector<TlsTarget>& targets,
                                     std::chrono::milliseconds timeout) {
  std::vector<TlsProbeReport> out(targets.size());
  std::vector<bool> finished(targets.size(), false);
  size_t done = 0;
  EventLoop loop;
  {
    TlsProber prober(loop);
    for (size_t i = 0; i < targets.size(); ++i) {
      prober.Probe(targets[i].options, [&, i](TlsProbeReport report) {
        out[i] = std::move(report);
        finished[i] = true;
        ++done;
      });
    }
    if (!targets.empty()) {
      loop.RunUntil([&] { return done == targets.size(); }, timeout + std::chrono::seconds(2));
    }
    prober.CancelAll();
  }
  for (size_t i = 0; i < targets.size(); ++i) {
    if (!finished[i]) out[i].result.error = "probe did not finish in time";
  }
  return out;
}

std::string Days(int64_t not_after, int64_t now) {
  const int64_t days = (not_after - now) / 86400;
  return FormatRfc3339(not_after) +
         (not_after < now ? " (expired)" : " (in " + std::to_string(days) + "d)");
}

int RunStatusWebhook(const WebhookArgs& a) {
  auto session = OpenStatusSession(a.config, a.kubeconfig);
  if (!session) {
    std::cerr << "certwatch status webhook: " << session.error().message << "\n";
    return 2;
  }
  const Config& config = session->config;
  KubeClient& client = *session->client;
  StateData state;
  for (const KindPath& k : kKinds) {
    auto resp = client.Do("GET", k.collection + a.name);
    if (!resp) {
      std::cerr << "certwatch status webhook: " << resp.error().message << "\n";
      return 2;
    }
    if (resp->status == 404) continue;
    if (!resp->ok()) {
      std::cerr << "certwatch status webhook: GET " << k.kind << " " << a.name << ": "
                << resp->Describe() << "\n";
      return 2;
    }
    std::string warning;
    auto o = DecodeBody<CaBundleObjectState>(std::move(resp->body), k.decode, &warning);
    if (!o) {
      std::cerr << "certwatch status webhook: " << k.kind << " " << a.name << ": "
                << o.error().message << "\n";
      return 2;
    }
    if (!warning.empty()) std::cerr << "warning: " << warning << "\n";
    state.ca_bundles[CaBundleKey(o->kind, o->name)] = std::move(*o);
  }
  if (state.ca_bundles.empty()) {
    std::cerr << "certwatch status webhook: no ValidatingWebhookConfiguration, "
                 "MutatingWebhookConfiguration, APIService or CustomResourceDefinition named \""
              << a.name << "\"\n";
    return 2;
  }
  if (Status s = ReadServices(client, state, std::cerr); !s) {
    std::cerr << "certwatch status webhook: " << s.error().message << "\n";
    return 2;
  }

  const auto timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(config.tls_probes.timeout);
  const auto now = static_cast<int64_t>(SystemClock().NowSeconds());
  const std::vector<CaBundleResolution> entries = ResolveCaBundles(state);
  std::ostringstream out;
  std::vector<std::string> failing;
  std::string last_object;
  size_t checked = 0;
  for (const auto& r : entries) {
    const std::string object = r.kind + " " + r.name;
    if (object != last_object) out << object << "\n";
    last_object = object;
    const std::string what = r.entry->webhook.empty() ? object : "webhook " + r.entry->webhook;
    out << "  " << (r.entry->webhook.empty() ? "entry" : what) << "\n";
    if (!r.entry->error.empty()) {
      out << "    caBundle: " << r.entry->error << "\n";
      failing.push_back(what + ": invalid_ca_bundle");
      continue;
    }
    if (r.entry->cas.empty()) out << "    caBundle: none (the API server uses its system roots)\n";
    for (const auto& ca : r.entry->cas) {
      out << "    caBundle CA: " << ca.subject << " serial " << ca.serial << ", notAfter "
          << Days(ca.not_after, now) << "\n";
    }
    out << "    calls: " << r.service << " (SNI " << r.server_name << ")\n";
    if (!r.problem.empty()) {
      out << "    endpoints: " << r.problem << "\n";
      failing.push_back(what + ": unreachable (" + r.problem + ")");
      continue;
    }
    if (a.no_probes) {
      for (const auto& e : r.endpoints) {
        out << "    endpoint " << HostPort{e.host, static_cast<uint16_t>(e.port)}.ToString()
            << ": not probed (--no-probes)\n";
      }
      continue;
    }
    const std::vector<TlsTarget> targets = CaBundleTargets(r, timeout);
    const std::vector<TlsProbeReport> results = ProbeAll(targets, timeout);
    std::string worst;
    for (size_t i = 0; i < targets.size(); ++i) {
      const TlsProbeResult& res = results[i].result;
      const CaBundleProbeState p = CaBundleProbeOf(targets[i], res);
      const std::string reason(CaBundleFailureReason(p));
      ++checked;
      out << "    endpoint " << targets[i].target << ": ";
      if (res.leaf) {
        out << "serves " << res.leaf->subject << " issued by " << res.leaf->issuer << ", notAfter "
            << Days(res.leaf->not_after, now) << "; ";
      }
      if (reason.empty()) {
        out << "the caBundle verifies it\n";
        continue;
      }
      out << reason;
      if (!results[i].verify_detail.empty()) out << " (" << results[i].verify_detail << ")";
      if (!res.error.empty()) out << " (" << res.error << ")";
      out << "\n";
      if (worst.empty() || reason == "stale_ca_bundle") worst = reason;
    }
    if (!worst.empty()) failing.push_back(what + ": " + worst);
  }
  std::cout << out.str();
  if (!failing.empty()) {
    std::cout << "Verdict: NOT OK: " << Join(failing, "; ") << "\n";
    return 1;
  }
  if (a.no_probes) {
    std::cout << "Verdict: UNKNOWN: endpoints resolved, not probed (--no-probes)\n";
    return 0;
  }
  std::cout << "Verdict: OK: every caBundle verifies what its " << checked
            << " endpoint(s) serve\n";
  return 0;
}

}  // namespace

void AddStatusWebhookCommand(CLI::App& status, int& exit_code) {
  auto args = std::make_shared<WebhookArgs>();
  auto* cmd = status.add_subcommand(
      "webhook",
      "Walk a webhook configuration, APIService or CRD conversion webhook -> Service -> "
      "endpoints -> served chain -> caBundle, and say whether the API server can call it");
  cmd->add_option("name", args->name, "Object name (cluster-scoped)")->required();
  cmd->add_option("--kubeconfig", args->kubeconfig,
                  "kubeconfig file (default: config kubernetes.kubeconfig, $KUBECONFIG, "
                  "in-cluster)");
  cmd->add_option("--config", args->config, "certwatch config (tls_probes.timeout)");
  cmd->add_flag("--no-probes", args->no_probes, "Only read the cluster: no TLS handshakes");
  cmd->callback([args, &exit_code] { exit_code = RunStatusWebhook(*args); });
}

}  // namespace certwatch
