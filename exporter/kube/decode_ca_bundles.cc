#include "exporter/kube/decode_ca_bundles.h"

#include <string>

#include "common/base64.h"
#include "common/x509.h"
#include "exporter/kube/decode_fields.h"

namespace certwatch {

namespace od = simdjson::ondemand;

namespace {

// The warning names object and field as every decoder's does (decode_fields.h).
using decode_fields::Ctx;

template <typename F>
void Fields(od::value v, Ctx& c, const std::string& field, F&& f) {
  od::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS) {
    c.Warn(field, "not an object");
    return;
  }
  for (auto member : obj) {
    std::string_view key;
    if (member.unescaped_key().get(key) != simdjson::SUCCESS) return;
    f(key, member.value());
  }
}

template <typename F>
void Items(od::value v, Ctx& c, const std::string& field, F&& f) {
  od::array arr;
  if (v.get_array().get(arr) != simdjson::SUCCESS) {
    c.Warn(field, "not an array");
    return;
  }
  size_t i = 0;
  for (auto item : arr) {
    od::value iv;
    if (item.get(iv) != simdjson::SUCCESS) return;
    f(iv, field + "[" + std::to_string(i++) + "]");
  }
}

std::string Str(od::value v, Ctx& c, const std::string& field) {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) {
    c.Warn(field, "not a string");
    return {};
  }
  return std::string(s);
}

bool TypeIs(od::value v, od::json_type want) {
  od::json_type t;
  return v.type().get(t) == simdjson::SUCCESS && t == want;
}

int Port(od::value v, Ctx& c, const std::string& field) {
  int64_t i = 0;
  if (v.get_int64().get(i) != simdjson::SUCCESS || i < 1 || i > 65535) {
    c.Warn(field, "not a port number");
    return 0;
  }
  return static_cast<int>(i);
}

// metadata: name, namespace, resourceVersion, and one label's value when `label` is given.
void Meta(od::value v, Ctx& c, std::string_view label = {}, std::string* label_value = nullptr) {
  ObjectMeta& m = c.d.meta;
  Fields(v, c, "metadata", [&](std::string_view k, od::value val) {
    if (k == "name") {
      m.name = Str(val, c, "metadata.name");
    } else if (k == "namespace") {
      m.ns = Str(val, c, "metadata.namespace");
    } else if (k == "resourceVersion") {
      m.resource_version = Str(val, c, "metadata.resourceVersion");
    } else if (k == "labels" && label_value != nullptr) {
      Fields(val, c, "metadata.labels", [&](std::string_view lk, od::value lv) {
        if (lk == label) *label_value = Str(lv, c, "metadata.labels[" + std::string(lk) + "]");
      });
    }
  });
}

// Each top-level field of an object to `f`, but metadata, which Meta reads (with `label`).
template <typename F>
void TopLevel(od::object obj, Ctx& c, F&& f, std::string_view label = {},
              std::string* label_value = nullptr) {
  for (auto member : obj) {
    std::string_view k;
    if (member.unescaped_key().get(k) != simdjson::SUCCESS) return;
    if (k == "metadata") {
      Meta(member.value(), c, label, label_value);
    } else {
      f(k, member.value());
    }
  }
}

// service{namespace, name, path, port} of a clientConfig (or an APIService's spec).
void Service(od::value v, Ctx& c, const std::string& field, WebhookClientConfig& out) {
  Fields(v, c, field, [&](std::string_view k, od::value sv) {
    if (k == "namespace") {
      out.service_namespace = Str(sv, c, field + ".namespace");
    } else if (k == "name") {
      out.service_name = Str(sv, c, field + ".name");
    } else if (k == "path") {
      out.path = Str(sv, c, field + ".path");
    } else if (k == "port") {
      if (int p = Port(sv, c, field + ".port")) out.port = p;
    }
  });
}

// A clientConfig {caBundle, service, url} into `entry`; true when it names a service or url.
bool ClientConfig(od::value v, Ctx& c, const std::string& field, CaBundleEntry& entry) {
  Fields(v, c, field, [&](std::string_view k, od::value cv) {
    if (k == "caBundle") {
      std::string_view s;
      if (cv.get_string().get(s) == simdjson::SUCCESS) {
        ParseCaBundle(s, entry);
      } else {
        c.Warn(field + ".caBundle", "not a string");
      }
    } else if (k == "service") {
      Service(cv, c, field + ".service", entry.client);
    } else if (k == "url") {
      entry.client.url = Str(cv, c, field + ".url");
    }
  });
  return !entry.client.service_name.empty() || !entry.client.url.empty();
}

void WebhookConfiguration(od::object obj, CaBundleObjectState& out, DecodeOutput& d,
                          const char* kind) {
  Ctx c{kind, d};
  TopLevel(obj, c, [&](std::string_view k, od::value value) {
    if (k == "webhooks") {
      Items(value, c, "webhooks", [&](od::value wv, const std::string& field) {
        CaBundleEntry entry;
        bool has_client = false;
        Fields(wv, c, field, [&](std::string_view wk, od::value v) {
          if (wk == "name") {
            entry.webhook = Str(v, c, field + ".name");
          } else if (wk == "clientConfig") {
            has_client = ClientConfig(v, c, field + ".clientConfig", entry);
          }
        });
        if (has_client) out.entries.push_back(std::move(entry));
      });
    }
  });
  out.kind = kind;
  out.name = d.meta.name;
}

}  // namespace

void ParseCaBundle(std::string_view base64, CaBundleEntry& entry) {
  entry.pem.clear();
  entry.cas.clear();
  entry.error.clear();
  if (base64.empty()) return;  // none: the API server uses the system roots
  auto pem = Base64Decode(base64);
  if (!pem) {
    entry.error = "caBundle: not base64: " + pem.error().message;
    return;
  }
  // The API server reads PEM only; ParseCertificates would also take one DER certificate.
  if (pem->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    entry.error = "caBundle: no PEM CERTIFICATE block";
    return;
  }
  auto cas = ParseCertificates(*pem);
  if (!cas) {
    entry.error = "caBundle: " + cas.error().message;
    return;
  }
  entry.pem = std::move(*pem);
  entry.cas = std::move(*cas);
}

void DecodeValidatingWebhookConfiguration(od::object obj, CaBundleObjectState& out,
                                          DecodeOutput& d) {
  WebhookConfiguration(obj, out, d, "ValidatingWebhookConfiguration");
}

void DecodeMutatingWebhookConfiguration(od::object obj, CaBundleObjectState& out, DecodeOutput& d) {
  WebhookConfiguration(obj, out, d, "MutatingWebhookConfiguration");
}

void DecodeApiService(od::object obj, CaBundleObjectState& out, DecodeOutput& d) {
  Ctx c{"APIService", d};
  CaBundleEntry entry;
  TopLevel(obj, c, [&](std::string_view k, od::value value) {
    if (k == "spec") {
      Fields(value, c, "spec", [&](std::string_view sk, od::value v) {
        if (sk == "caBundle") {
          std::string_view s;
          if (v.get_string().get(s) == simdjson::SUCCESS) {
            ParseCaBundle(s, entry);
          } else {
            c.Warn("spec.caBundle", "not a string");
          }
        } else if (sk == "service" && !TypeIs(v, od::json_type::null)) {
          Service(v, c, "spec.service", entry.client);
        }
      });
    }
  });
  out.kind = "APIService";
  out.name = d.meta.name;
  // A local APIService (served by the API server itself) has no service and no caBundle.
  if (!entry.client.service_name.empty()) out.entries.push_back(std::move(entry));
}

void DecodeCrdConversion(od::object obj, CaBundleObjectState& out, DecodeOutput& d) {
  Ctx c{"CustomResourceDefinition", d};
  CaBundleEntry entry;
  std::string strategy;
  bool has_client = false;
  // On-demand parsing skips what is not visited: the versions and their schemas are never
  // materialised.
  TopLevel(obj, c, [&](std::string_view k, od::value value) {
    if (k == "spec") {
      Fields(value, c, "spec", [&](std::string_view sk, od::value v) {
        if (sk != "conversion") return;
        Fields(v, c, "spec.conversion", [&](std::string_view ck, od::value cv) {
          if (ck == "strategy") {
            strategy = Str(cv, c, "spec.conversion.strategy");
          } else if (ck == "webhook") {
            Fields(cv, c, "spec.conversion.webhook", [&](std::string_view wk, od::value wv) {
              if (wk == "clientConfig") {
                has_client = ClientConfig(wv, c, "spec.conversion.webhook.clientConfig", entry);
              }
            });
          }
        });
      });
    }
  });
  out.kind = "CustomResourceDefinition";
  out.name = d.meta.name;
  if (strategy == "Webhook" && has_client) out.entries.push_back(std::move(entry));
}

void DecodeService(od::object obj, ServiceState& out, DecodeOutput& d) {
  Ctx c{"Service", d};
  TopLevel(obj, c, [&](std::string_view k, od::value value) {
    if (k == "spec") {
      Fields(value, c, "spec", [&](std::string_view sk, od::value v) {
        if (sk != "ports") return;
        Items(v, c, "spec.ports", [&](od::value pv, const std::string& field) {
          ServicePortState p;
          Fields(pv, c, field, [&](std::string_view pk, od::value f) {
            if (pk == "name") {
              p.name = Str(f, c, field + ".name");
            } else if (pk == "port") {
              p.port = Port(f, c, field + ".port");
            } else if (pk == "targetPort") {
              // An IntOrString: a number, or the name of a container port.
              if (TypeIs(f, od::json_type::string)) {
                p.target_port_name = Str(f, c, field + ".targetPort");
              } else {
                p.target_port = Port(f, c, field + ".targetPort");
              }
            }
          });
          out.ports.push_back(std::move(p));
        });
      });
    }
  });
  out.ns = d.meta.ns;
  out.name = d.meta.name;
}

void DecodeEndpointSlice(od::object obj, EndpointSliceState& out, DecodeOutput& d) {
  Ctx c{"EndpointSlice", d};
  TopLevel(
      obj, c,
      [&](std::string_view k, od::value value) {
        if (k == "endpoints" && !TypeIs(value, od::json_type::null)) {
          Items(value, c, "endpoints", [&](od::value ev, const std::string& field) {
            std::vector<std::string> addresses;
            bool ready = true;  // an unset ready condition means ready (discovery.k8s.io/v1)
            Fields(ev, c, field, [&](std::string_view ek, od::value v) {
              if (ek == "addresses") {
                Items(v, c, field + ".addresses", [&](od::value av, const std::string& af) {
                  std::string a = Str(av, c, af);
                  if (!a.empty()) addresses.push_back(std::move(a));
                });
              } else if (ek == "conditions") {
                Fields(v, c, field + ".conditions", [&](std::string_view ck, od::value cv) {
                  if (ck != "ready" || TypeIs(cv, od::json_type::null)) return;
                  if (cv.get_bool().get(ready) != simdjson::SUCCESS) {
                    c.Warn(field + ".conditions.ready", "not a boolean");
                    ready = false;
                  }
                });
              }
            });
            if (ready) {
              for (auto& a : addresses) out.addresses.push_back(std::move(a));
            }
          });
        } else if (k == "ports" && !TypeIs(value, od::json_type::null)) {
          Items(value, c, "ports", [&](od::value pv, const std::string& field) {
            EndpointPortState p;
            Fields(pv, c, field, [&](std::string_view pk, od::value v) {
              if (pk == "name") {
                p.name = Str(v, c, field + ".name");
              } else if (pk == "port") {
                p.port = Port(v, c, field + ".port");
              }
            });
            out.ports.push_back(std::move(p));
          });
        }
      },
      "kubernetes.io/service-name", &out.service);
  out.ns = d.meta.ns;
  out.name = d.meta.name;
}

}  // namespace certwatch
