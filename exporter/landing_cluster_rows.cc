// The landing page's rows of certificates outside cert-manager's objects: the CAs of each
// caBundle, ConfigMap and trust-manager Bundle, each caBundle's verdict, each Bundle's Synced
// condition and each CSR. (Kubelets are TLS endpoints: the endpoint rows list them.)
#include "exporter/landing_page.h"
#include "state/ca_bundle_endpoints.h"

namespace certwatch {

namespace {

LandingRow CaRow(std::string kind, std::string ns, std::string name, const CertFacts& ca) {
  LandingRow row;
  row.kind = std::move(kind);
  row.ns = std::move(ns);
  row.name = std::move(name);
  row.detail = ca.subject + " (serial " + ca.serial + ")";
  row.issuer = ca.issuer;
  row.dns_names = ca.dns_names;
  row.not_after = ca.not_after;
  row.ready = "True";
  return row;
}

}  // namespace

void AddClusterTrustRows(const StateData& d, std::vector<LandingRow>& rows) {
  for (const CaBundleResolution& r : ResolveCaBundles(d)) {
    const std::string name =
        r.kind + "/" + r.name + (r.entry->webhook.empty() ? "" : " " + r.entry->webhook);
    for (const CertFacts& ca : r.entry->cas) rows.push_back(CaRow("caBundle CA", "", name, ca));
    const auto verdict = CaBundleVerdict(d, r);
    if (!verdict) continue;  // not probed yet (or verify_served is off)
    LandingRow row;
    row.kind = "caBundle";
    row.name = name;
    row.detail = r.service;
    row.ready = verdict->empty() ? "True" : "False";
    row.failure = std::string(*verdict);
    row.failure_message = !r.entry->error.empty() ? r.entry->error : r.problem;
    rows.push_back(std::move(row));
  }
  for (const auto& [key, cm] : d.configmaps) {
    for (const auto& k : cm.keys) {
      for (const CertFacts& c : k.certs) {
        rows.push_back(CaRow("ConfigMap CA", cm.ns, cm.name + " " + k.key, c));
      }
    }
  }
  for (const auto& [key, b] : d.bundles) {
    LandingRow row;
    row.kind = "Bundle";
    row.name = b.name;
    row.detail = "target key " + b.target_key;
    row.ready = !b.synced ? "Unknown" : *b.synced ? "True" : "False";
    if (b.synced && !*b.synced) {
      row.failure = "not_synced";
      row.failure_message = b.synced_reason + ": " + b.synced_message;
    }
    rows.push_back(std::move(row));
  }
  // A Bundle's CAs once, from the first target that holds them.
  std::map<std::string, const ConfigMapCertsState*> first_target;
  for (const auto& [key, cm] : d.bundle_targets) first_target.emplace(cm.bundle, &cm);
  for (const auto& [key, b] : d.bundles) {
    auto t = first_target.find(b.name);
    if (t == first_target.end()) continue;
    for (const auto& k : t->second->keys) {
      if (k.key != b.target_key) continue;
      for (const CertFacts& c : k.certs) rows.push_back(CaRow("Bundle CA", "", b.name, c));
    }
  }
  for (const auto& [key, c] : d.csrs) {
    LandingRow row;
    row.kind = "CSR";
    row.name = c.name;
    row.detail = c.signer_name;
    switch (c.condition) {
      case CsrCondition::kIssued:
      case CsrCondition::kApproved:
        row.ready = "True";
        break;
      case CsrCondition::kPending:
        row.ready = "Unknown";
        break;
      case CsrCondition::kDenied:
      case CsrCondition::kFailed:
        row.ready = "False";
        break;
    }
    if (c.condition == CsrCondition::kDenied || c.condition == CsrCondition::kFailed) {
      row.failure = std::string(ToString(c.condition));
    }
    rows.push_back(std::move(row));
  }
}

}  // namespace certwatch
