#include "exporter/landing_page.h"

#include <algorithm>
#include <map>
#include <string_view>
#include <tuple>

#include "state/keys.h"
#include "state/verify_reason.h"

namespace certwatch {
namespace {

// certificate key ("ns/name") of each challenge key, through Order → CertificateRequest.
std::map<std::string, std::string> ChallengeOwners(const StateData& d) {
  std::map<std::string, std::string> out;
  for (const auto& [key, ch] : d.challenges) {
    auto order = d.orders.find(ObjectKey(ch.ns, ch.order));
    if (order == d.orders.end()) continue;
    auto request = d.requests.find(ObjectKey(ch.ns, order->second.request));
    if (request == d.requests.end() || request->second.certificate.empty()) continue;
    out[key] = ObjectKey(ch.ns, request->second.certificate);
  }
  return out;
}

struct Count {
  int good = 0, total = 0;
};

std::string Fraction(const Count& c, std::string_view what) {
  return std::to_string(c.good) + "/" + std::to_string(c.total) + " " + std::string(what);
}

void AddCertificates(const StateData& d, std::vector<LandingRow>& rows) {
  std::map<std::string, Count> served;  // certificate key → endpoints matching
  for (const auto& [key, t] : d.tls) {
    if (t.certificate.empty() || !t.matches_stored.has_value()) continue;
    Count& c = served[t.certificate];
    ++c.total;
    if (*t.matches_stored) ++c.good;
  }
  std::map<std::string, Count> dns;  // certificate key → resolvers propagated
  auto owners = ChallengeOwners(d);
  for (const auto& [key, r] : d.dns_challenges) {
    auto owner = owners.find(ObjectKey(r.ns, r.challenge));
    if (owner == owners.end()) continue;
    Count& c = dns[owner->second];
    ++c.total;
    if (r.propagated) ++c.good;
  }
  for (const auto& [key, c] : d.certificates) {
    LandingRow row;
    row.kind = "Certificate";
    row.ns = c.ns;
    row.name = c.name;
    row.detail = c.issuer.kind + "/" + c.issuer.name;
    row.not_after = c.not_after;
    row.dns_names = c.dns_names.ToVector();
    row.ready = c.ready.status.empty() ? "Unknown" : c.ready.status;
    if (c.failure != FailureReason::kNone) row.failure = std::string(ToString(c.failure));
    row.failure_message = c.failure_message.empty() ? c.ready.message : c.failure_message;
    std::string k = ObjectKey(c.ns, c.name);
    if (auto s = served.find(k); s != served.end()) {
      row.served = (s->second.good == s->second.total ? "match " : "mismatch ") +
                   Fraction(s->second, "endpoints");
    }
    if (auto p = dns.find(k); p != dns.end()) row.dns = Fraction(p->second, "resolvers");
    if (auto a = d.renewer_last_action.find(k); a != d.renewer_last_action.end()) {
      row.renewer = a->second.action + " (" + a->second.result + ")";
    }
    rows.push_back(std::move(row));
  }
}

void AddEndpoints(const StateData& d, std::vector<LandingRow>& rows) {
  for (const auto& [key, t] : d.tls) {
    LandingRow row;
    row.kind = "TLS endpoint";
    // The namespace of the Certificate (or Secret) it should serve, for the filter.
    const std::string& owner = !t.certificate.empty() ? t.certificate : t.secret;
    row.ns = std::string(SplitObjectKey(owner).ns);
    row.name = t.target;
    row.detail = t.server_name;
    // Kubelets are probed by IP: name the Node instead of repeating the address.
    if (t.source.starts_with("node:")) row.detail = "kubelet of Node " + t.source.substr(5);
    if (t.leaf) {
      row.not_after = t.leaf->not_after;
      row.dns_names = t.leaf->dns_names;
      row.issuer = t.leaf->issuer;
    }
    row.ready = t.success && t.verified ? "True" : "False";
    if (!t.success) {
      row.failure = std::string(ToString(VerifyReason::kHandshakeFailed));
      row.failure_message = t.error;
    } else if (!t.verified) {
      row.failure = t.verify_reason ? std::string(ToString(*t.verify_reason)) : "not_verified";
    }
    if (t.matches_stored.has_value()) {
      row.served = *t.matches_stored ? "match " + owner : "mismatch " + owner;
    }
    rows.push_back(std::move(row));
  }
}

// Endpoints Ingresses name that are not probed: listed so that a discovery probing nothing
// is visible here too, with what to change.
void AddSkippedTargets(const StateData& d, std::vector<LandingRow>& rows) {
  for (const SkippedTlsTarget& s : d.tls_skipped) {
    LandingRow row;
    row.kind = std::string(kLandingSkippedKind);
    row.ns = s.ns;
    row.name = s.target;
    row.detail = "Ingress " + s.ingress;
    row.failure = s.reason;
    row.failure_message = std::string(SkippedTargetExplanation(s.reason));
    rows.push_back(std::move(row));
  }
}

void AddSecretsAndFiles(const StateData& d, std::vector<LandingRow>& rows) {
  for (const auto& [key, s] : d.secrets) {
    LandingRow row;
    row.kind = "Secret";
    row.ns = s.ns;
    row.name = s.name;
    row.detail = s.facts.subject;
    row.dns_names = s.facts.dns_names;
    row.issuer = s.facts.issuer;
    if (s.error.empty()) {
      row.not_after = s.facts.not_after;
      row.ready = "True";
    } else {
      row.ready = "False";
      row.failure = "parse_error";
      row.failure_message = s.error;
    }
    rows.push_back(std::move(row));
  }
  for (const auto& [key, f] : d.files) {
    LandingRow row;
    row.kind = "File";
    row.name = f.where.empty() ? f.path : f.path + " (" + f.where + ")";
    row.detail = f.facts.subject;
    row.dns_names = f.facts.dns_names;
    row.issuer = f.facts.issuer;
    row.not_after = f.facts.not_after;
    row.ready = "True";
    rows.push_back(std::move(row));
  }
  for (const auto& [key, e] : d.file_errors) {
    LandingRow row;
    row.kind = "File";
    row.name = e.path;
    row.ready = "False";
    row.failure = "read_error";
    row.failure_message = e.error;
    rows.push_back(std::move(row));
  }
}

}  // namespace

std::vector<LandingRow> CollectLandingRows(const StateData& data, UnixSeconds now) {
  std::vector<LandingRow> rows;
  AddCertificates(data, rows);
  AddEndpoints(data, rows);
  AddSkippedTargets(data, rows);
  AddSecretsAndFiles(data, rows);
  AddClusterTrustRows(data, rows);
  for (LandingRow& r : rows) {
    // Certificates carry their own classification; the rest only have dates.
    if (r.kind == "Certificate" || r.kind == "caBundle" || r.kind == "Bundle" || r.kind == "CSR" ||
        !r.not_after || *r.not_after > now)
      continue;
    r.ready = "False";
    if (r.failure.empty()) r.failure = "expired";
  }
  return rows;
}

std::vector<LandingRow> LandingRows(const StateData& data, UnixSeconds now) {
  std::vector<LandingRow> rows = CollectLandingRows(data, now);
  std::stable_sort(rows.begin(), rows.end(), [](const LandingRow& a, const LandingRow& b) {
    auto key = [](const LandingRow& r) {
      return std::make_tuple(!r.not_after.has_value(), r.not_after.value_or(0), std::cref(r.ns),
                             std::cref(r.name));
    };
    return key(a) < key(b);
  });
  return rows;
}

}  // namespace certwatch
