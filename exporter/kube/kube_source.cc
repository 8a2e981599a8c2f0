#include "exporter/kube/kube_source.h"

#include <malloc.h>
#include <openssl/crypto.h>
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <tuple>
#include <unordered_set>
#include <utility>

#include "common/keystore/keystore.h"
#include "exporter/kube/classify.h"
#include "exporter/kube/decode.h"
#include "exporter/kube/decode_ca_bundles.h"
#include "exporter/kube/decode_configmap.h"
#include "exporter/kube/decode_csr.h"
#include "exporter/kube/decode_node.h"
#include "exporter/kube/watch_event.h"
#include "state/keys.h"

namespace certwatch {

namespace od = simdjson::ondemand;

// What one watched kind needs: where it lives, how to decode it, where it goes in StateData.
struct KubeSource::Kind {
  std::string name;        // "Certificate"
  std::string group_path;  // "/apis/cert-manager.io/v1" or "/api/v1"
  std::string plural;      // "certificates"
  bool namespaced = true;
  std::string query;       // extra list/watch parameters ("fieldSelector=...")
  bool sensitive = false;  // Secrets: wipe buffers after decoding
  // Its own namespaces instead of kubernetes.namespaces (kubernetes.configmaps.namespaces).
  std::vector<std::string> namespaces;
  // An API that may not be installed (trust-manager's): a 404 means none of these objects,
  // not an error; asked again every min(resync, 5 minutes).
  bool optional = false;

  virtual ~Kind() = default;
  // Decodes one object into the staging slot; false when it is not kept (shard, no name).
  virtual bool Decode(od::object obj, DecodeOutput& d, const Shard& shard) = 0;
  virtual std::string StagedKey() const = 0;
  // Moves the staged object into the state (one per list item or watch event).
  virtual void Upsert(StateData& s) = 0;
  virtual void Erase(StateData& s, const std::string& key) = 0;
  // Drops every object of this kind in namespace `ns` ("" = all) not in `seen` (the
  // addresses of the entries a relist wrote; std::map nodes do not move).
  virtual void Prune(StateData& s, const std::string& ns,
                     const std::unordered_set<const void*>& seen) = 0;
  // Bulk list: stage a page, then commit it.
  virtual void StageToBatch() = 0;
  virtual void CommitBatch(StateData& s, std::unordered_set<const void*>& seen) = 0;
  virtual void ClearBatch() = 0;
  // Hook after an upsert (rate-limited Orders).
  std::function<void(StateData&, const void*)> on_upsert;
};

namespace {

// A 404 on a kind's collection means its CRD (or API group) is not installed.
Error MissingKindError(const std::string& what) {
  return Error{"the API server does not serve " + what +
               " (404): is the CRD installed (cert-manager, or the kind's API group)?"};
}

template <typename T>
struct TypedKind : KubeSource::Kind {
  using DecodeFn = void (*)(od::object, T&, DecodeOutput&);
  std::function<void(od::object, T&, DecodeOutput&)> decode;
  // The kind's map in the store, for writing (a VersionedMap takes a new version).
  std::function<std::map<std::string, T>&(StateData&)> map;
  // Key and shard key from the decoded value.
  std::function<std::string(const T&)> key;
  std::function<std::string(const T&)> shard_key;
  std::function<bool(const T&)> in_kind = [](const T&) { return true; };
  // Whether a decoded object is kept at all (a filter the API cannot apply server-side).
  std::function<bool(const T&)> keep;
  std::function<void(T&)> fixup;
  // Whether a decoded object is history the store need not hold, given what it holds now
  // (CertificateRequests whose Certificate moved past their revision).
  std::function<bool(const StateData&, const T&)> superseded;
  // After an object this replica keeps was decoded (Secrets: parse the keystores).
  std::function<void(T&, DecodeOutput&)> after_decode;
  T staged;
  std::vector<std::pair<std::string, T>> batch;

  bool Decode(od::object obj, DecodeOutput& d, const Shard& shard) override {
    staged = T{};
    decode(obj, staged, d);
    if (fixup) fixup(staged);
    if (d.meta.name.empty()) return false;
    if (shard_key && !shard.Owns(shard_key(staged))) return false;
    if (keep && !keep(staged)) return false;
    if (after_decode) after_decode(staged, d);
    return true;
  }
  std::string StagedKey() const override { return key(staged); }
  void Upsert(StateData& s) override {
    std::string k = key(staged);
    if (superseded && superseded(s, staged)) {
      map(s).erase(k);
      return;
    }
    T& slot = map(s)[k];
    slot = std::move(staged);
    if (on_upsert) on_upsert(s, &slot);
  }
  void Erase(StateData& s, const std::string& k) override { map(s).erase(k); }
  void Prune(StateData& s, const std::string& ns,
             const std::unordered_set<const void*>& seen) override {
    auto& m = map(s);
    for (auto it = m.begin(); it != m.end();) {
      if (in_kind(it->second) && (ns.empty() || it->second.ns == ns) && !seen.count(&it->second)) {
        it = m.erase(it);
      } else {
        ++it;
      }
    }
  }
  void StageToBatch() override { batch.emplace_back(key(staged), std::move(staged)); }
  void CommitBatch(StateData& s, std::unordered_set<const void*>& seen) override {
    auto& m = map(s);
    for (auto& [k, v] : batch) {
      if (superseded && superseded(s, v)) continue;  // not seen: a relist's Prune erases it
      T& slot = m[k];
      slot = std::move(v);
      seen.insert(&slot);
      if (on_upsert) on_upsert(s, &slot);
    }
    batch.clear();
    batch.shrink_to_fit();
  }
  void ClearBatch() override { batch.clear(); }
};

template <typename T>
std::map<std::string, T>& Writable(std::map<std::string, T>& m) {
  return m;
}
template <typename T>
std::map<std::string, T>& Writable(VersionedMap<T>& m) {
  return m.mutable_map();
}

template <typename T, typename Map>
std::unique_ptr<TypedKind<T>> MakeKind(std::string name, std::string group_path, std::string plural,
                                       typename TypedKind<T>::DecodeFn fn, Map StateData::*member) {
  auto k = std::make_unique<TypedKind<T>>();
  k->name = std::move(name);
  k->group_path = std::move(group_path);
  k->plural = std::move(plural);
  k->decode = fn;
  k->map = [member](StateData& s) -> std::map<std::string, T>& { return Writable(s.*member); };
  k->key = [](const T& v) { return ObjectKey(v.ns, v.name); };
  return k;
}

}  // namespace

struct KubeSource::Watcher {
  std::unique_ptr<Kind> kind;
  std::string ns;    // "" = all namespaces (or cluster-scoped)
  std::string what;  // "cert-manager.io/v1 certificates in namespace x", for messages
  bool synced = false;
  std::string error;                  // "" when healthy
  std::optional<double> retry_after;  // from the last 429/503
  bool missing = false;               // the last list met a 404 (the kind is not served)
  bool said_missing = false;          // an optional kind's absence was logged
  bool said_no_watch_list = false;    // the fallback to paginated lists was logged
  od::parser parser;
  PaddedLine line;  // wiped after each Secret line (exporter/kube/watch_event.h)
  std::string Path() const {
    return kind->group_path + (kind->namespaced && !ns.empty() ? "/namespaces/" + ns : "") + "/" +
           kind->plural;
  }
};

std::vector<std::unique_ptr<KubeSource::Kind>> KubeSource::BuildKinds() {
  std::vector<std::unique_ptr<Kind>> kinds;
  {
    auto k = MakeKind<CertificateState>("Certificate", "/apis/cert-manager.io/v1", "certificates",
                                        &DecodeCertificate, &StateData::certificates);
    k->shard_key = [](const CertificateState& c) { return ObjectKey(c.ns, c.name); };
    kinds.push_back(std::move(k));
  }
  {
    auto k = MakeKind<CertificateRequestState>("CertificateRequest", "/apis/cert-manager.io/v1",
                                               "certificaterequests", &DecodeCertificateRequest,
                                               &StateData::requests);
    // A request follows its Certificate's shard, so the join stays within one replica.
    k->shard_key = [](const CertificateRequestState& r) {
      return ObjectKey(r.ns, r.certificate.empty() ? r.name : r.certificate);
    };
    k->superseded = &IsSupersededRequest;
    kinds.push_back(std::move(k));
  }
  for (std::string_view kind_name : {kIssuerKind, kClusterIssuerKind}) {
    const std::string kind(kind_name);
    const bool cluster = kind == kClusterIssuerKind;
    auto k = MakeKind<IssuerState>(kind, "/apis/cert-manager.io/v1",
                                   cluster ? "clusterissuers" : "issuers", &DecodeIssuer,
                                   &StateData::issuers);
    k->namespaced = !cluster;
    k->fixup = [kind](IssuerState& i) { i.kind = kind; };
    k->key = [kind](const IssuerState& i) { return IssuerKey(kind, i.ns, i.name); };
    k->in_kind = [kind](const IssuerState& i) { return i.kind == kind; };
    kinds.push_back(std::move(k));
  }
  {
    auto k = MakeKind<OrderState>("Order", "/apis/acme.cert-manager.io/v1", "orders", &DecodeOrder,
                                  &StateData::orders);
    k->on_upsert = [](StateData& s, const void* p) {
      const auto& o = *static_cast<const OrderState*>(p);
      if (!o.rate_limited) return;
      // Counted once per Order (its name and creation time), however often it is re-sent.
      if (s.acme_rate_limited_orders.insert(RateLimitedOrderKey(o.ns, o.name, o.created)).second) {
        ++s.acme_rate_limit_errors[RateLimitErrorKey(o.issuer)];
      }
    };
    kinds.push_back(std::move(k));
  }
  kinds.push_back(MakeKind<ChallengeState>("Challenge", "/apis/acme.cert-manager.io/v1",
                                           "challenges", &DecodeChallenge, &StateData::challenges));
  if (options_.config.ingresses) {
    auto k = MakeKind<IngressState>("Ingress", "/apis/networking.k8s.io/v1", "ingresses",
                                    &DecodeIngress, &StateData::ingresses);
    k->shard_key = [](const IngressState& i) { return ObjectKey(i.ns, i.name); };
    kinds.push_back(std::move(k));
  }
  if (options_.config.renewer_events) {
    auto k = MakeKind<RenewerEventState>("Event", "/api/v1", "events", &DecodeRenewerEvent,
                                         &StateData::renewer_events);
    k->query = "fieldSelector=" + QueryEscape("reportingComponent=certwatch-renewer");
    k->on_upsert = [](StateData& s, const void* p) {
      const auto& e = *static_cast<const RenewerEventState*>(p);
      if (e.certificate.empty()) return;
      // The renewer annotates its Events with the Certificate's ObjectKey: the key as it is.
      RenewerActionRecord& last = s.renewer_last_action[e.certificate];
      if (e.record.at >= last.at) last = e.record;
    };
    kinds.push_back(std::move(k));
  }
  if (options_.config.secrets) {
    auto k = MakeKind<SecretCertState>("Secret", "/api/v1", "secrets", &DecodeSecret,
                                       &StateData::secrets);
    k->query = "fieldSelector=" + QueryEscape("type=kubernetes.io/tls");
    k->sensitive = true;
    k->decode = [keys = options_.config.keystore_keys](od::object obj, SecretCertState& s,
                                                       DecodeOutput& d) {
      DecodeSecretWithKeys(obj, s, d, keys);
    };
    k->after_decode = [this](SecretCertState& s, DecodeOutput& d) { ReadSecretKeystores(s, d); };
    k->shard_key = [](const SecretCertState& s) { return ObjectKey(s.ns, s.name); };
    kinds.push_back(std::move(k));
  }
  if (options_.config.csrs.enabled) {
    auto k = MakeKind<CsrState>("CertificateSigningRequest", "/apis/certificates.k8s.io/v1",
                                "certificatesigningrequests", &DecodeCsr, &StateData::csrs);
    k->namespaced = false;
    k->key = [](const CsrState& c) { return c.name; };
    k->shard_key = [](const CsrState& c) { return c.name; };
    const auto& signers = options_.config.csrs.signer_names;
    if (signers.size() == 1) {
      // The API server selects CSRs by signer (a field selector since 1.19)...
      k->query = "fieldSelector=" + QueryEscape("spec.signerName=" + signers.front());
    } else if (!signers.empty()) {
      // ... but one signer at a time: several are filtered here.
      k->keep = [signers](const CsrState& c) {
        return std::find(signers.begin(), signers.end(), c.signer_name) != signers.end();
      };
    }
    kinds.push_back(std::move(k));
  }
  if (options_.config.configmaps.enabled) {
    auto k = MakeKind<ConfigMapCertsState>("ConfigMap", "/api/v1", "configmaps", &DecodeConfigMap,
                                           &StateData::configmaps);
    k->namespaces = options_.config.configmaps.namespaces;
    if (options_.config.bundles.enabled) {
      // trust-manager's targets are their Bundle's: once per CA, not once per namespace.
      k->keep = [](const ConfigMapCertsState& c) { return c.bundle.empty(); };
    }
    if (!options_.config.configmaps.label_selector.empty()) {
      k->query = "labelSelector=" + QueryEscape(options_.config.configmaps.label_selector);
    }
    kinds.push_back(std::move(k));
  }
  if (options_.config.bundles.enabled) {
    auto k = MakeKind<BundleState>("Bundle", "/apis/trust.cert-manager.io/v1alpha1", "bundles",
                                   &DecodeBundle, &StateData::bundles);
    k->namespaced = false;
    k->optional = true;
    k->key = k->shard_key = [](const BundleState& b) { return b.name; };
    kinds.push_back(std::move(k));
    // The targets, in every namespace trust-manager writes to; sharded with their Bundle.
    auto t = MakeKind<ConfigMapCertsState>("ConfigMap", "/api/v1", "configmaps", &DecodeConfigMap,
                                           &StateData::bundle_targets);
    t->query = "labelSelector=" + QueryEscape(std::string(kTrustBundleLabel));
    t->shard_key = [](const ConfigMapCertsState& c) { return c.bundle; };
    t->namespaces = {""};  // all of them, whatever kubernetes.namespaces says
    kinds.push_back(std::move(t));
  }
  if (options_.config.kubelets.enabled) {
    auto k = MakeKind<NodeState>("Node", "/api/v1", "nodes", &DecodeNode, &StateData::nodes);
    k->namespaced = false;
    k->key = k->shard_key = [](const NodeState& n) { return n.name; };
    if (!options_.config.kubelets.label_selector.empty()) {
      k->query = "labelSelector=" + QueryEscape(options_.config.kubelets.label_selector);
    }
    kinds.push_back(std::move(k));
  }
  if (options_.config.ca_bundles.enabled) {
    // One map for four cluster-scoped kinds, keyed and sharded by "kind/name".
    using F = TypedKind<CaBundleObjectState>::DecodeFn;
    for (auto [kind, group, plural, fn] :
         {std::tuple{"ValidatingWebhookConfiguration", "/apis/admissionregistration.k8s.io/v1",
                     "validatingwebhookconfigurations", F{&DecodeValidatingWebhookConfiguration}},
          std::tuple{"MutatingWebhookConfiguration", "/apis/admissionregistration.k8s.io/v1",
                     "mutatingwebhookconfigurations", F{&DecodeMutatingWebhookConfiguration}},
          std::tuple{"APIService", "/apis/apiregistration.k8s.io/v1", "apiservices",
                     F{&DecodeApiService}},
          std::tuple{"CustomResourceDefinition", "/apis/apiextensions.k8s.io/v1",
                     "customresourcedefinitions", F{&DecodeCrdConversion}}}) {
      auto k = MakeKind<CaBundleObjectState>(kind, group, plural, fn, &StateData::ca_bundles);
      k->namespaced = false;
      k->key =
          k->shard_key = [](const CaBundleObjectState& o) { return CaBundleKey(o.kind, o.name); };
      k->in_kind = [kind = std::string(kind)](const CaBundleObjectState& o) {
        return o.kind == kind;
      };
      kinds.push_back(std::move(k));
    }
    // Where the webhooks are served: trimmed to ports and ready addresses.
    if (options_.config.ca_bundles.verify_served) {
      kinds.push_back(MakeKind<ServiceState>("Service", "/api/v1", "services", &DecodeService,
                                             &StateData::services));
      kinds.push_back(MakeKind<EndpointSliceState>("EndpointSlice", "/apis/discovery.k8s.io/v1",
                                                   "endpointslices", &DecodeEndpointSlice,
                                                   &StateData::endpoint_slices));
    }
  }
  return kinds;
}

namespace {

// A GET whose body holds secrets: the body is wiped when this goes away.
struct SecretBody {
  std::string text;
  ~SecretBody() { OPENSSL_cleanse(text.data(), text.size()); }
};

// The password of one keystore format, owned here and wiped when this goes away.
struct Password {
  std::optional<std::string> value;
  std::string why_missing;  // for the error message when `value` is empty
  ~Password() {
    if (value) OPENSSL_cleanse(value->data(), value->size());
  }
};

std::optional<keystore::Format> FormatOfKey(std::string_view key, std::string_view bytes) {
  if (key.ends_with(".p12") || key.ends_with(".pfx")) return keystore::Format::kPkcs12;
  if (key.ends_with(".jks")) return keystore::Format::kJks;
  return keystore::Sniff(bytes);
}

}  // namespace

void KubeSource::ReadSecretKeystores(SecretCertState& secret, DecodeOutput& d) {
  if (d.keystores.empty()) return;
  Password pkcs12, jks;
  auto fail_both = [&](const std::string& why) { pkcs12.why_missing = jks.why_missing = why; };
  if (secret.certificate.empty()) {
    fail_both("no cert-manager.io/certificate-name annotation names its Certificate");
  } else {
    // The Certificate says where the password is; read live, so nothing about it is kept.
    const std::string cert_name = "Certificate " + secret.ns + "/" + secret.certificate;
    auto resp = client_->Do("GET", "/apis/cert-manager.io/v1/namespaces/" + secret.ns +
                                       "/certificates/" + secret.certificate);
    SecretBody body;
    if (!resp) {
      fail_both(cert_name + ": " + resp.error().message);
    } else if (!resp->ok()) {
      fail_both(cert_name + ": " + resp->Describe());
    } else {
      body.text = std::move(resp->body);
      CertificateKeystores spec;
      od::parser parser;
      simdjson::padded_string padded(body.text);
      od::document doc;
      od::object obj;
      if (parser.iterate(padded).get(doc) == simdjson::SUCCESS &&
          doc.get_object().get(obj) == simdjson::SUCCESS) {
        try {
          DecodeCertificateKeystores(obj, spec);
        } catch (const simdjson::simdjson_error&) {
          spec = {};
        }
      }
      std::map<std::pair<std::string, std::string>, std::optional<std::string>> fetched;
      auto resolve = [&](const CertificateKeystoreSpec& s, std::string_view format, Password& out) {
        if (!s.present) {
          out.why_missing = cert_name + ": spec.keystores." + std::string(format) + " is not set";
        } else if (s.password) {
          out.value = std::string(*s.password);
        } else if (s.password_secret_name.empty() || s.password_secret_key.empty()) {
          out.why_missing =
              cert_name + ": spec.keystores." + std::string(format) + " names no passwordSecretRef";
        } else {
          const std::string ref = "Secret " + secret.ns + "/" + s.password_secret_name;
          auto key = std::make_pair(s.password_secret_name, s.password_secret_key);
          auto it = fetched.find(key);
          if (it == fetched.end()) {
            std::optional<std::string> value;
            auto pr = client_->Do(
                "GET", "/api/v1/namespaces/" + secret.ns + "/secrets/" + s.password_secret_name);
            SecretBody pw_body;
            if (!pr) {
              out.why_missing = ref + ": " + pr.error().message;
            } else if (!pr->ok()) {
              out.why_missing = ref + ": " + pr->Describe();
            } else {
              pw_body.text = std::move(pr->body);
              od::parser pw_parser;
              simdjson::padded_string pw_padded(pw_body.text);
              od::document pw_doc;
              od::object pw_obj;
              if (pw_parser.iterate(pw_padded).get(pw_doc) == simdjson::SUCCESS &&
                  pw_doc.get_object().get(pw_obj) == simdjson::SUCCESS) {
                try {
                  value = DecodeSecretDataKey(pw_obj, s.password_secret_key);
                } catch (const simdjson::simdjson_error&) {
                }
              }
              OPENSSL_cleanse(pw_padded.data(), pw_padded.size());
              if (!value) out.why_missing = ref + ": no data key " + s.password_secret_key;
            }
            if (!out.why_missing.empty()) return;
            it = fetched.emplace(key, std::move(value)).first;
          }
          out.value = *it->second;
        }
      };
      resolve(spec.pkcs12, "pkcs12", pkcs12);
      resolve(spec.jks, "jks", jks);
      for (auto& [k, v] : fetched) {
        if (v) OPENSSL_cleanse(v->data(), v->size());
      }
      OPENSSL_cleanse(padded.data(), padded.size());
    }
  }
  for (const SecretKeystore& ks : d.keystores) {
    auto format = FormatOfKey(ks.key, ks.bytes);
    keystore::Outcome o;
    const Password* pw = nullptr;
    if (!format) {
      o.reason = keystore::Reason::kCorrupt;
      o.error = "neither PKCS#12 nor JKS";
    } else {
      pw = *format == keystore::Format::kJks ? &jks : &pkcs12;
      o = keystore::Parse(*format, ks.bytes,
                          pw->value ? std::optional<std::string_view>(*pw->value) : std::nullopt);
    }
    for (auto& c : o.certs) {
      secret.keystore_certs.push_back({ks.key, std::move(c.alias), std::move(c.facts)});
    }
    if (o.reason) {
      std::string error = std::move(o.error);
      if (*o.reason == keystore::Reason::kMissingPassword && pw && !pw->why_missing.empty()) {
        error += " (" + pw->why_missing + ")";
      }
      logger_.Warn("cannot read keystore", {{"secret", secret.ns + "/" + secret.name},
                                            {"key", ks.key},
                                            {"reason", std::string(keystore::ToString(*o.reason))},
                                            {"err", error}});
      secret.keystore_errors.push_back(
          {ks.key, std::string(keystore::ToString(*o.reason)), std::move(error)});
    }
  }
  d.keystores.clear();  // wiped by their destructors
}

KubeSource::KubeSource(std::unique_ptr<KubeClient> client, KubeSourceOptions options,
                       StateStore& store, const Logger& logger, const Clock& clock)
    : client_(std::move(client)),
      options_(std::move(options)),
      store_(store),
      logger_(logger.With("source", "kubernetes")),
      clock_(clock) {
  // One watcher per kind, or per (kind, namespace) when namespaces are configured; each has
  // its own descriptor, since staging slots belong to one thread.
  auto add = [&](std::unique_ptr<Kind> k, const std::string& ns) {
    auto w = std::make_unique<Watcher>();
    w->ns = ns;
    std::string gv = k->group_path == "/api/v1" ? "v1" : k->group_path.substr(6);
    w->what = gv + " " + k->plural + (ns.empty() ? "" : " in namespace " + ns);
    w->kind = std::move(k);
    watchers_.push_back(std::move(w));
  };
  const auto& namespaces = options_.config.namespaces;
  std::vector<std::vector<std::string>> own;  // namespaces of the kinds that name their own
  size_t index = 0;
  for (auto& k : BuildKinds()) {
    own.push_back(k->namespaced ? k->namespaces : std::vector<std::string>{});
    if (!own.back().empty()) {
      ++index;
      continue;
    }
    if (!k->namespaced || namespaces.empty()) add(std::move(k), "");
    ++index;
  }
  for (const auto& ns : namespaces) {
    index = 0;
    for (auto& k : BuildKinds()) {
      if (k->namespaced && own[index++].empty()) add(std::move(k), ns);
    }
  }
  // One descriptor per watcher: BuildKinds again for each namespace a kind names.
  for (size_t i = 0; i < own.size(); ++i) {
    for (const auto& ns : own[i]) {
      auto kinds = BuildKinds();
      add(std::move(kinds[i]), ns);
    }
  }
}

KubeSource::~KubeSource() { Stop(); }

void KubeSource::Start() {
  if (started_) return;
  started_ = true;
  store_.Update([&](StateData& d) {
    SourceStatus& s = d.sources["kubernetes"];
    s.up = false;
    s.synced = false;
  });
  for (auto& w : watchers_) threads_.emplace_back([this, &w] { RunWatcher(*w); });
  threads_.emplace_back([this] { RunMaintenance(); });
}

void KubeSource::Stop() {
  if (stop_.exchange(true)) return;
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

bool KubeSource::Healthy() const {
  std::lock_guard lock(mu_);
  for (const auto& w : watchers_) {
    if (!w->synced || !w->error.empty()) return false;
  }
  return true;
}

void KubeSource::Sleep(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [&] { return stop_.load(); });
}

void KubeSource::MarkError(Watcher& w, const std::string& error) {
  {
    std::lock_guard lock(mu_);
    w.error = error;
  }
  cv_.notify_all();
  logger_.Warn("watch failed", {{"resource", w.what}, {"err", error}});
  store_.SetSource("kubernetes", false, false, static_cast<UnixSeconds>(clock_.NowSeconds()),
                   w.what + ": " + error);
}

void KubeSource::MarkHealthy(Watcher& w) {
  bool was_error;
  {
    std::lock_guard lock(mu_);
    was_error = !w.error.empty();
    w.error.clear();
    w.synced = true;
  }
  if (was_error) logger_.Info("watch recovered", {{"resource", w.what}});
  dirty_ = true;
  cv_.notify_all();
}

Status KubeSource::ListOnce(Watcher& w, std::string& rv) {
  Kind& k = *w.kind;
  std::string cont;
  // Pages are committed as they arrive (bounded memory); what the list did not mention is
  // dropped at the end.
  std::unordered_set<const void*> seen;
  k.ClearBatch();
  size_t count = 0;
  bool restart = false;
  int restarts = 0;
  do {
    restart = false;
    if (stop_) return Error{"list " + w.what + ": stopped"};
    std::string path = w.Path() + "?limit=" + std::to_string(options_.config.list_page_size);
    if (!k.query.empty()) path += "&" + k.query;
    if (!cont.empty()) path += "&continue=" + QueryEscape(cont);
    auto resp = client_->Do("GET", path);
    if (!resp) return resp.error();
    if (resp->status == 404) {
      w.missing = true;
      return MissingKindError(w.what);
    }
    if (resp->status == 410) {
      // The continue token expired mid-list: start over, but not in a tight loop against a
      // server whose history moves faster than the list pages.
      if (++restarts > 3) {
        return Error{"list " + w.what + ": continue token expired (410) " +
                     std::to_string(restarts) + " times in a row"};
      }
      k.ClearBatch();
      cont.clear();
      restart = true;
      continue;
    }
    if (!resp->ok()) {
      w.retry_after = resp->retry_after_seconds;
      return Error{"list " + w.what + ": " + resp->Describe()};
    }
    const size_t n = resp->body.size();
    resp->body.append(simdjson::SIMDJSON_PADDING, '\0');
    simdjson::padded_string_view psv(resp->body.data(), n, resp->body.size());
    std::string next;
    std::string warning;
    bool bad = false;
    std::string parse_error;
    try {
      od::document doc = w.parser.iterate(psv);
      for (auto field : doc.get_object()) {
        std::string_view key = field.unescaped_key();
        if (key == "metadata") {
          for (auto mf : field.value().get_object()) {
            std::string_view mk = mf.unescaped_key();
            if (mk == "resourceVersion")
              rv = std::string(std::string_view(mf.value().get_string()));
            else if (mk == "continue")
              next = std::string(std::string_view(mf.value().get_string()));
          }
        } else if (key == "items") {
          for (auto item : field.value().get_array()) {
            DecodeOutput d;
            od::object obj = item.get_object();
            if (k.Decode(obj, d, options_.shard)) {
              k.StageToBatch();
              ++count;
            }
            if (!d.warning.empty() && warning.empty()) warning = d.warning;
          }
        }
      }
    } catch (const simdjson::simdjson_error& e) {
      bad = true;
      parse_error = e.what();
    }
    if (k.sensitive) OPENSSL_cleanse(resp->body.data(), resp->body.size());
    if (!warning.empty()) {
      logger_.Warn("bad field", {{"resource", w.what}, {"err", warning}});
      store_.Update([&](StateData& d) { ++d.sources["kubernetes"].errors_total; });
    }
    if (bad) {
      k.ClearBatch();
      return Error{"list " + w.what + ": undecodable JSON: " + parse_error};
    }
    store_.Update([&](StateData& d) { k.CommitBatch(d, seen); });
    cont = std::move(next);
  } while ((restart || !cont.empty()) && !stop_);
  if (stop_) return Error{"stopped"};
  store_.Update([&](StateData& d) { k.Prune(d, w.ns, seen); });
  objects_listed_ += count;
  ++paginated_lists_;
  return OkStatus();
}

Result<bool> KubeSource::WatchOnce(Watcher& w, std::string& rv, InitialEvents* initial) {
  const bool initial_events = initial != nullptr;
  Kind& k = *w.kind;
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  const int64_t base = options_.watch_timeout.count();
  const int64_t timeout =
      base + static_cast<int64_t>(rng() % static_cast<uint64_t>(std::max<int64_t>(base, 1)));
  std::string path = w.Path() +
                     "?watch=1&allowWatchBookmarks=true&resourceVersion=" + QueryEscape(rv) +
                     "&timeoutSeconds=" + std::to_string(timeout);
  // A streaming list asks for the current objects first, at least as new as `rv` (client-go's
  // reflector asks the same; rv is "" on the first list).
  if (initial_events) path += "&sendInitialEvents=true&resourceVersionMatch=NotOlderThan";
  if (!k.query.empty()) path += "&" + k.query;
  if (initial) *initial = InitialEvents::kFailed;
  // Until the initial-events-end bookmark, events are the list: staged in batches of a list
  // page, committed as they fill (bounded memory), and what they did not mention is pruned
  // at the bookmark. The source is not synced before it.
  bool in_initial = initial_events;
  std::unordered_set<const void*> seen;
  size_t staged = 0, listed_count = 0;
  const size_t batch_size = static_cast<size_t>(std::max(options_.config.list_page_size, 1));
  if (in_initial) k.ClearBatch();
  auto commit_batch = [&] {
    if (staged == 0) return;
    store_.Update([&](StateData& s) { k.CommitBatch(s, seen); });
    staged = 0;
  };
  bool relist = false;
  std::string stream_error;
  bool established = false;
  auto on_line = [&](std::string_view line) -> bool {
    if (!established && !in_initial) {
      established = true;
      MarkHealthy(w);
    }
    DecodeOutput d;
    auto event = DecodeWatchEvent(
        w.parser, w.line.Set(line), d,
        [&](od::object obj, DecodeOutput& out) { return k.Decode(obj, out, options_.shard); });
    if (k.sensitive) w.line.Wipe();
    if (!event) {
      stream_error = event.error().message;
      relist = true;
      return false;
    }
    const std::string& type = event->type;
    const StatusObject& status = event->status;
    const bool keep = event->keep;
    if (!d.warning.empty()) {
      logger_.Warn("bad field", {{"resource", w.what}, {"err", d.warning}});
      store_.Update([&](StateData& s) { ++s.sources["kubernetes"].errors_total; });
    }
    if (in_initial) {
      if (type == "ADDED") {
        if (keep) {
          k.StageToBatch();
          ++listed_count;
          if (++staged >= batch_size) commit_batch();
        }
        return true;
      }
      if (type == "BOOKMARK" && d.initial_events_end) {
        commit_batch();
        store_.Update([&](StateData& s) { k.Prune(s, w.ns, seen); });
        seen = {};
        rv = d.meta.resource_version;
        objects_listed_ += listed_count;
        ++streaming_lists_;
        in_initial = false;
        *initial = InitialEvents::kReceived;
        established = true;
        MarkHealthy(w);
        return true;
      }
      if (type == "ERROR") {
        if (status.code == 410) *initial = InitialEvents::kGone;
        stream_error = "streaming list: watch error " + std::to_string(status.code) + " " +
                       status.reason + ": " + status.message;
        return false;
      }
      // A server that ignores sendInitialEvents (before WatchList) sends a plain bookmark, or
      // a change, where only ADDED events and the initial-events-end bookmark can come.
      *initial = InitialEvents::kRefused;
      stream_error = "streaming list: " + type +
                     " event before the k8s.io/initial-events-end bookmark (the server ignores "
                     "sendInitialEvents)";
      return false;
    }
    if (!d.meta.resource_version.empty()) rv = d.meta.resource_version;
    if (type == "ADDED" || type == "MODIFIED") {
      if (keep) store_.Update([&](StateData& s) { k.Upsert(s); });
    } else if (type == "DELETED") {
      if (keep) {
        std::string key = k.StagedKey();
        store_.Update([&](StateData& s) { k.Erase(s, key); });
      }
    } else if (type == "BOOKMARK") {
      return true;
    } else if (type == "ERROR") {
      if (status.code == 410) {
        logger_.Debug("resourceVersion expired, relisting", {{"resource", w.what}});
      } else {
        stream_error = "watch error " + std::to_string(status.code) + " " + status.reason + ": " +
                       status.message;
      }
      relist = true;
      return false;
    } else {
      stream_error = "unknown watch event type \"" + type + "\"";
      relist = true;
      return false;
    }
    ++events_applied_;
    dirty_ = true;
    return true;
  };
  auto on_open = [&] {
    if (!established && !in_initial) {
      established = true;
      MarkHealthy(w);
    }
  };
  auto resp = client_->Watch(path, on_line, &stop_, (timeout + 30) * 1000, on_open);
  if (in_initial) {
    // The streaming list did not complete: drop what was staged and not committed; the next
    // list (streaming or paginated) replaces the kind's objects either way.
    k.ClearBatch();
    if (!resp) return resp.error();
    if (resp->status != 200) {
      // kube-apiserver without WatchList answers 422 Invalid (or 400) to its parameters.
      if (resp->status == 422 || resp->status == 400) *initial = InitialEvents::kRefused;
      if (resp->status == 410) *initial = InitialEvents::kGone;
      w.retry_after = resp->retry_after_seconds;
      // The same words as the paginated list's: which list met a missing CRD is no news.
      if (resp->status == 404) {
        w.missing = true;
        return MissingKindError(w.what);
      }
      return Error{"streaming list " + w.what + ": " + resp->Describe()};
    }
    if (stream_error.empty()) {
      *initial = InitialEvents::kRefused;
      return Error{"streaming list " + w.what +
                   ": the stream ended before the k8s.io/initial-events-end bookmark"};
    }
    return Error{stream_error};
  }
  if (!resp) return resp.error();
  if (resp->status == 410) return true;
  if (resp->status != 200) {
    w.retry_after = resp->retry_after_seconds;
    return Error{"watch " + w.what + ": " + resp->Describe()};
  }
  if (!established) MarkHealthy(w);
  if (!stream_error.empty()) {
    store_.Update([&](StateData& s) { ++s.sources["kubernetes"].errors_total; });
    logger_.Warn("watch stream", {{"resource", w.what}, {"err", stream_error}});
  }
  return relist;
}

void KubeSource::WaitForCertificateLists() {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, 2 * options_.watch_timeout, [&] {
    if (stop_) return true;
    for (const auto& other : watchers_) {
      if (other->kind->name == "Certificate" && !other->synced && other->error.empty()) {
        return false;
      }
    }
    return true;
  });
}

void KubeSource::RunWatcher(Watcher& w) {
  // A request is kept only while its Certificate has not moved past its revision, which is
  // known once the Certificates are listed: so the request history is never stored, rather
  // than stored and then dropped (and the sync's peak RSS stays the steady state's).
  if (w.kind->name == "CertificateRequest") WaitForCertificateLists();
  Backoff backoff(options_.backoff);
  std::string rv;
  bool need_list = true;
  bool paginated_next = false;  // the last streaming list failed: list with pages once
  auto last_list = std::chrono::steady_clock::now();
  // An optional kind that is not installed: empty and synced, asked again later.
  auto absent = [&] {
    if (!std::exchange(w.missing, false) || !w.kind->optional) return false;
    store_.Update([&](StateData& d) { w.kind->Prune(d, w.ns, {}); });
    if (!std::exchange(w.said_missing, true)) {
      logger_.Info("API not installed: none of these objects, asked again later",
                   {{"resource", w.what}});
    }
    MarkHealthy(w);
    backoff.Reset();
    Sleep(std::min<std::chrono::milliseconds>(options_.config.resync, std::chrono::minutes(5)));
    rv.clear();
    need_list = true;
    return true;
  };
  while (!stop_) {
    if (need_list && options_.config.watch_list && !paginated_next) {
      // client-go's order: a streaming list first. A server without WatchList (422 Invalid, or
      // a stream that ignores sendInitialEvents) gets a paginated list at once; 410 asks
      // again from the newest resourceVersion; any other failure counts as an error, backs
      // off, and is followed by a paginated list (progress over purity, as client-go does).
      // The next relist tries streaming again.
      InitialEvents got = InitialEvents::kFailed;
      auto r = WatchOnce(w, rv, &got);
      if (stop_) break;
      if (got == InitialEvents::kReceived) {
        need_list = false;
        last_list = std::chrono::steady_clock::now();
        backoff.Reset();
        if (!r) {
          MarkError(w, r.error().message);
          Sleep(backoff.Next(std::exchange(w.retry_after, std::nullopt)));
          continue;
        }
        if (*r) need_list = true;
        if (std::chrono::steady_clock::now() - last_list > options_.config.resync) {
          need_list = true;
        }
        continue;
      }
      if (!r && absent()) continue;
      const std::string why = r ? std::string("stream ended") : r.error().message;
      if (got == InitialEvents::kGone && !rv.empty()) {
        logger_.Debug("resourceVersion expired, streaming list from the newest",
                      {{"resource", w.what}});
        rv.clear();
        continue;
      }
      if (got == InitialEvents::kRefused) {
        if (!std::exchange(w.said_no_watch_list, true)) {
          logger_.Info("the API server does not serve streaming lists, using paginated lists",
                       {{"resource", w.what}, {"err", why}});
        }
      } else {
        store_.Update([&](StateData& d) { ++d.sources["kubernetes"].errors_total; });
        MarkError(w, why);
        Sleep(backoff.Next(std::exchange(w.retry_after, std::nullopt)));
        paginated_next = true;
        continue;
      }
    }
    paginated_next = false;
    if (need_list) {
      Status s = ListOnce(w, rv);
      // The parser's buffers grew to a whole list page (hundreds of KB, several times over in
      // its structural index); the watch that follows parses one object per line.
      w.parser = od::parser{};
      // The pages' bodies and the parser's buffers are freed between the objects the list
      // left in the heap; glibc keeps such pages until asked (malloc_trim returns every free
      // page, not only the top of the heap).
      malloc_trim(0);
      if (stop_) break;
      if (!s && absent()) continue;
      if (!s) {
        w.said_missing = false;
        MarkError(w, s.error().message);
        Sleep(backoff.Next(std::exchange(w.retry_after, std::nullopt)));
        continue;
      }
      need_list = false;
      last_list = std::chrono::steady_clock::now();
      MarkHealthy(w);
      backoff.Reset();
    }
    const auto watch_started = std::chrono::steady_clock::now();
    auto r = WatchOnce(w, rv);
    if (stop_) break;
    if (!r) {
      MarkError(w, r.error().message);
      Sleep(backoff.Next(std::exchange(w.retry_after, std::nullopt)));
      continue;
    }
    // A server (or proxy) that ends every watch at once would otherwise be asked again in a
    // tight loop; a watch that lasted a while resets the delay (client-go backs off likewise).
    if (std::chrono::steady_clock::now() - watch_started < std::chrono::seconds(1)) {
      Sleep(backoff.Next());
    } else {
      backoff.Reset();
    }
    if (*r) need_list = true;
    if (std::chrono::steady_clock::now() - last_list > options_.config.resync) need_list = true;
  }
}

void KubeSource::RunMaintenance() {
  ClassifyOptions copts;
  copts.rate_limit_per_week = options_.config.acme_rate_limit_per_week;
  copts.psl = DefaultPsl();
  auto last_classify = std::chrono::steady_clock::time_point{};
  auto last_up = std::chrono::steady_clock::time_point{};
  while (!stop_) {
    Sleep(options_.classify_interval);
    if (stop_) break;
    const auto now = std::chrono::steady_clock::now();
    const UnixSeconds unix_now = static_cast<UnixSeconds>(clock_.NowSeconds());
    // The join runs once every kind has been listed (not on every page of the first sync),
    // then when objects change, and every 30 s for the clock-driven classes (expired,
    // renewal_overdue) and budgets.
    const bool healthy = Healthy();
    bool any_error = false;
    {
      std::lock_guard lock(mu_);
      for (const auto& w : watchers_) any_error = any_error || !w->error.empty();
    }
    // A kind in error may never sync; classify what there is rather than nothing.
    if (!ever_synced_ && !healthy && !any_error) continue;
    ever_synced_ = true;
    if (dirty_.exchange(false) || now - last_classify > std::chrono::seconds(30)) {
      last_classify = now;
      auto skew = client_->ClockSkewSeconds();
      store_.Update([&](StateData& d) {
        DropSupersededRequests(d);  // a Certificate's revision moved on since they came
        ClassifyAll(d, unix_now, copts);
        if (skew) d.clock_skew_seconds = *skew;
      });
    }
    if (healthy && now - last_up >= std::chrono::seconds(1)) {
      last_up = now;
      store_.SetSource("kubernetes", true, true, unix_now);
    }
  }
}

Result<std::unique_ptr<KubeSource>> MakeKubeSource(const KubernetesConfig& config,
                                                   const std::string& kubeconfig_override,
                                                   Shard shard, StateStore& store,
                                                   const Logger& logger, const Clock& clock) {
  const std::string path = !kubeconfig_override.empty() ? kubeconfig_override : config.kubeconfig;
  auto kc = ResolveKubeConfig(path);
  if (!kc) return kc.error().Wrap("kubernetes");
  KubeClientOptions client_options;
  client_options.request_timeout_ms = static_cast<long>(config.request_timeout.count());
  auto client = KubeClient::Create(std::move(*kc), client_options);
  if (!client) return client.error().Wrap("kubernetes");
  KubeSourceOptions options;
  options.config = config;
  options.shard = shard;
  options.backoff.initial = config.backoff_initial;
  options.backoff.max = config.backoff_max;
  return std::make_unique<KubeSource>(std::move(*client), std::move(options), store, logger, clock);
}

}  // namespace certwatch

namespace certwatch {

namespace {

// What both the source and its stand-in wrote.
void ForgetKubernetesState(StateData& d) {
  d.certificates.clear();
  d.requests.clear();
  d.orders.clear();
  d.challenges.clear();
  d.issuers.clear();
  d.ingresses.clear();
  d.secrets.clear();
  d.ca_bundles.clear();
  d.services.clear();
  d.endpoint_slices.clear();
  d.csrs.clear();
  d.nodes.clear();
  d.configmaps.clear();
  d.bundles.clear();
  d.bundle_targets.clear();
  d.budgets.clear();
  d.clock_skew_seconds.reset();
  d.sources.erase("kubernetes");
}

class UnavailableKubeSource final : public Source {
 public:
  UnavailableKubeSource(std::string error, StateStore& store, const Logger& logger,
                        const Clock& clock)
      : error_(std::move(error)), store_(store), logger_(logger), clock_(clock) {}
  std::string_view Name() const override { return "kubernetes"; }
  void Start() override {
    logger_.Error("kubernetes source unavailable", {{"err", error_}});
    store_.SetSource("kubernetes", false, false, static_cast<UnixSeconds>(clock_.NowSeconds()),
                     error_);
  }
  void Stop() override {}
  void Forget(StateData& d) const override { ForgetKubernetesState(d); }

 private:
  std::string error_;
  StateStore& store_;
  const Logger& logger_;
  const Clock& clock_;
};

}  // namespace

void KubeSource::Forget(StateData& d) const { ForgetKubernetesState(d); }

std::unique_ptr<Source> MakeKubernetesSource(const KubernetesConfig& config,
                                             const std::string& kubeconfig_override, Shard shard,
                                             StateStore& store, const Logger& logger,
                                             const Clock& clock) {
  auto s = MakeKubeSource(config, kubeconfig_override, shard, store, logger, clock);
  if (!s) return std::make_unique<UnavailableKubeSource>(s.error().message, store, logger, clock);
  return std::move(*s);
}

}  // namespace certwatch
