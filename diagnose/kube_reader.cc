#include "diagnose/kube_reader.h"

#include <openssl/crypto.h>
#include <simdjson.h>

#include "exporter/kube/decode.h"

namespace certwatch {

namespace {

namespace od = simdjson::ondemand;

template <typename T>
using DecodeFn = void (*)(od::object, T&, DecodeOutput&);

// Wipes a response body when it goes out of scope (Secrets carry tls.key).
struct BodyWiper {
  std::string& body;
  bool sensitive;
  ~BodyWiper() {
    if (sensitive) OPENSSL_cleanse(body.data(), body.size());
  }
};

std::string CollectionPath(std::string_view api, std::string_view ns, std::string_view plural) {
  std::string p(api);
  if (!ns.empty()) p += "/namespaces/" + std::string(ns);
  return p + "/" + std::string(plural);
}

// GET one object; nullopt on 404.
template <typename T>
Result<std::optional<T>> GetOne(KubeClient& client, const std::string& what,
                                const std::string& path, DecodeFn<T> decode,
                                bool sensitive = false) {
  auto resp = client.Do("GET", path);
  if (!resp) return resp.error().Wrap("get " + what);
  BodyWiper wipe{resp->body, sensitive};
  if (resp->status == 404) return std::optional<T>();
  if (!resp->ok()) return Error{"get " + what + ": " + resp->Describe()};
  const size_t n = resp->body.size();
  resp->body.append(simdjson::SIMDJSON_PADDING, '\0');
  simdjson::padded_string_view psv(resp->body.data(), n, resp->body.size());
  od::parser parser;
  T out{};
  DecodeOutput d;
  try {
    od::document doc = parser.iterate(psv);
    decode(doc.get_object(), out, d);
  } catch (const simdjson::simdjson_error& e) {
    return Error{"get " + what + ": undecodable JSON: " + e.what()};
  }
  if (d.meta.name.empty()) return Error{"get " + what + ": answer has no metadata.name"};
  return std::optional<T>(std::move(out));
}

// Every object of one collection, following `continue` tokens.
template <typename T>
Result<std::vector<T>> ListAll(KubeClient& client, const std::string& what, const std::string& path,
                               DecodeFn<T> decode, int page_size) {
  std::vector<T> out;
  std::string cont;
  od::parser parser;
  for (int page = 0; page < 10000; ++page) {
    std::string url = path + (path.find('?') == std::string::npos ? "?" : "&") +
                      "limit=" + std::to_string(page_size);
    if (!cont.empty()) url += "&continue=" + QueryEscape(cont);
    auto resp = client.Do("GET", url);
    if (!resp) return resp.error().Wrap("list " + what);
    if (resp->status == 404) {
      return Error{"list " + what +
                   ": the API server does not serve it (404): is the CRD installed?"};
    }
    if (!resp->ok()) return Error{"list " + what + ": " + resp->Describe()};
    const size_t n = resp->body.size();
    resp->body.append(simdjson::SIMDJSON_PADDING, '\0');
    simdjson::padded_string_view psv(resp->body.data(), n, resp->body.size());
    std::string next;
    try {
      od::document doc = parser.iterate(psv);
      for (auto field : doc.get_object()) {
        std::string_view key = field.unescaped_key();
        if (key == "metadata") {
          for (auto mf : field.value().get_object()) {
            if (std::string_view(mf.unescaped_key()) == "continue") {
              next = std::string(std::string_view(mf.value().get_string()));
            }
          }
        } else if (key == "items") {
          for (auto item : field.value().get_array()) {
            T obj{};
            DecodeOutput d;
            decode(item.get_object(), obj, d);
            if (!d.meta.name.empty()) out.push_back(std::move(obj));
          }
        }
      }
    } catch (const simdjson::simdjson_error& e) {
      return Error{"list " + what + ": undecodable JSON: " + e.what()};
    }
    if (next.empty()) return out;
    cont = std::move(next);
  }
  return Error{"list " + what + ": too many pages"};
}

// A string field, or "" when absent, null or of another type.
std::string Str(od::value v) {
  std::string_view sv;
  if (v.get_string().get(sv) != simdjson::SUCCESS) return "";
  return std::string(sv);
}

// core/v1 Event: only what the walk shows. Bad fields are left empty, never fatal.
void DecodeEvent(od::object obj, KubeEvent& out, DecodeOutput& d) {
  std::optional<UnixSeconds> last, event_time, created;
  for (auto field : obj) {
    std::string_view k;
    if (field.unescaped_key().get(k) != simdjson::SUCCESS) continue;
    od::value v = field.value();
    if (k == "metadata") {
      od::object m;
      if (v.get_object().get(m) != simdjson::SUCCESS) continue;
      for (auto mf : m) {
        std::string_view mk;
        if (mf.unescaped_key().get(mk) != simdjson::SUCCESS) continue;
        if (mk == "name") {
          d.meta.name = Str(mf.value());
        } else if (mk == "namespace") {
          d.meta.ns = Str(mf.value());
        } else if (mk == "creationTimestamp") {
          created = ParseRfc3339(Str(mf.value()));
        }
      }
    } else if (k == "involvedObject") {
      od::object io;
      if (v.get_object().get(io) != simdjson::SUCCESS) continue;
      for (auto f : io) {
        std::string_view ik;
        if (f.unescaped_key().get(ik) != simdjson::SUCCESS) continue;
        if (ik == "kind") {
          out.kind = Str(f.value());
        } else if (ik == "name") {
          out.name = Str(f.value());
        }
      }
    } else if (k == "type") {
      out.type = Str(v);
    } else if (k == "reason") {
      out.reason = Str(v);
    } else if (k == "message") {
      out.message = Str(v);
    } else if (k == "count") {
      int64_t n = 0;
      if (v.get_int64().get(n) == simdjson::SUCCESS && n > 0 && n < (1 << 30)) {
        out.count = static_cast<int>(n);
      }
    } else if (k == "lastTimestamp") {
      last = ParseRfc3339(Str(v));
    } else if (k == "eventTime") {
      event_time = ParseRfc3339(Str(v));
    }
  }
  out.last = last ? *last : event_time ? *event_time : created.value_or(0);
}

constexpr std::string_view kCertManager = "/apis/cert-manager.io/v1";
constexpr std::string_view kAcme = "/apis/acme.cert-manager.io/v1";

}  // namespace

Result<std::optional<CertificateState>> KubeClusterReader::Certificate(const std::string& ns,
                                                                       const std::string& name) {
  return GetOne<CertificateState>(client_, "Certificate " + ns + "/" + name,
                                  CollectionPath(kCertManager, ns, "certificates") + "/" + name,
                                  &DecodeCertificate);
}

Result<std::optional<IssuerState>> KubeClusterReader::Issuer(const std::string& ns,
                                                             const IssuerRef& ref) {
  const bool cluster = ref.kind == "ClusterIssuer";
  const std::string what = cluster ? "ClusterIssuer " + ref.name : "Issuer " + ns + "/" + ref.name;
  auto r = GetOne<IssuerState>(
      client_, what,
      CollectionPath(kCertManager, cluster ? "" : ns, cluster ? "clusterissuers" : "issuers") +
          "/" + ref.name,
      &DecodeIssuer);
  if (r && r->has_value()) (*r)->kind = cluster ? "ClusterIssuer" : "Issuer";
  return r;
}

Result<std::optional<SecretCertState>> KubeClusterReader::Secret(const std::string& ns,
                                                                 const std::string& name) {
  return GetOne<SecretCertState>(client_, "Secret " + ns + "/" + name,
                                 CollectionPath("/api/v1", ns, "secrets") + "/" + name,
                                 &DecodeSecret, /*sensitive=*/true);
}

Result<std::vector<CertificateRequestState>> KubeClusterReader::Requests(const std::string& ns) {
  return ListAll<CertificateRequestState>(client_, "certificaterequests in " + ns,
                                          CollectionPath(kCertManager, ns, "certificaterequests"),
                                          &DecodeCertificateRequest, page_size_);
}

Result<std::vector<OrderState>> KubeClusterReader::Orders(const std::string& ns) {
  return ListAll<OrderState>(client_, "orders in " + ns, CollectionPath(kAcme, ns, "orders"),
                             &DecodeOrder, page_size_);
}

Result<std::vector<ChallengeState>> KubeClusterReader::Challenges(const std::string& ns) {
  return ListAll<ChallengeState>(client_, "challenges in " + ns,
                                 CollectionPath(kAcme, ns, "challenges"), &DecodeChallenge,
                                 page_size_);
}

Result<std::vector<IngressState>> KubeClusterReader::Ingresses(const std::string& ns) {
  return ListAll<IngressState>(client_, "ingresses in " + ns,
                               CollectionPath("/apis/networking.k8s.io/v1", ns, "ingresses"),
                               &DecodeIngress, page_size_);
}

Result<std::vector<KubeEvent>> KubeClusterReader::Events(const std::string& ns,
                                                         const std::string& kind,
                                                         const std::string& name) {
  const std::string selector = "involvedObject.kind=" + kind + ",involvedObject.name=" + name;
  return ListAll<KubeEvent>(
      client_, "events of " + kind + " " + ns + "/" + name,
      CollectionPath("/api/v1", ns, "events") + "?fieldSelector=" + QueryEscape(selector),
      &DecodeEvent, page_size_);
}

}  // namespace certwatch
