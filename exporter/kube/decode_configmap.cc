#include "exporter/kube/decode_configmap.h"

#include "exporter/kube/decode_fields.h"

namespace certwatch {

using namespace decode_fields;  // NOLINT: the shared decoding pieces

namespace {
constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
}  // namespace

int ParsePemCertificateBlocks(std::string_view text, std::vector<CertFacts>& out) {
  int invalid = 0;
  for (size_t at = text.find(kBegin); at != std::string_view::npos; at = text.find(kBegin, at)) {
    const size_t end = text.find(kEnd, at);
    if (end == std::string_view::npos) {
      ++invalid;  // cut off
      break;
    }
    const std::string_view block = text.substr(at, end + kEnd.size() - at);
    auto certs = ParseCertificates(block);
    if (certs && certs->size() == 1) {
      out.push_back(std::move(certs->front()));
    } else {
      ++invalid;
    }
    at = end + kEnd.size();
  }
  return invalid;
}

void DecodeConfigMap(od::object obj, ConfigMapCertsState& out, DecodeOutput& d) {
  Ctx c{"ConfigMap", d};
  StringMap labels;
  Fields(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") {
      Meta(v, c, &labels, NoAnnotations);
    } else if (k == "data") {
      Fields(v, [&](std::string_view key, od::value dv) {
        const std::string_view text = Str(dv);
        if (text.find(kBegin) == std::string_view::npos) return;
        ConfigMapKeyCerts kc{std::string(key), {}};
        out.invalid_blocks += ParsePemCertificateBlocks(text, kc.certs);
        if (!kc.certs.empty()) out.keys.push_back(std::move(kc));
      });
    }
  });
  if (out.invalid_blocks > 0) {
    c.Warn("data", std::to_string(out.invalid_blocks) + " CERTIFICATE block(s) do not parse");
  }
  out.ns = d.meta.ns;
  out.name = d.meta.name;
  if (auto it = labels.find(std::string(kTrustBundleLabel)); it != labels.end()) {
    out.bundle = it->second;
  }
}

void DecodeBundle(od::object obj, BundleState& out, DecodeOutput& d) {
  Ctx c{"Bundle", d};
  Condition synced;
  Fields(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") {
      Meta(v, c, nullptr, NoAnnotations);
    } else if (k == "spec") {
      Fields(v, [&](std::string_view sk, od::value sv) {
        if (sk != "target") return;
        Fields(sv, [&](std::string_view tk, od::value tv) {
          if (tk != "configMap") return;
          Fields(tv, [&](std::string_view ck, od::value cv) {
            if (ck == "key") out.target_key = Str(cv);
          });
        });
      });
    } else if (k == "status") {
      Fields(v, [&](std::string_view sk, od::value sv) {
        if (sk == "conditions") Conditions(sv, c, {{"Synced", &synced}});
      });
    }
  });
  out.ns.clear();
  out.name = d.meta.name;
  if (!synced.status.empty()) {
    out.synced = synced.status == "True";
    out.synced_reason = synced.reason;
    out.synced_message = synced.message;
  }
}

}  // namespace certwatch
