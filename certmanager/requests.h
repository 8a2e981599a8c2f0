// Which of a Certificate's objects cert-manager is working on. The trigger and issuing
// controllers name the CertificateRequest of revision status.revision + 1 the "next"
// request; the Order of that request and the Order's Challenges follow from owner names.
// One rule, used by the exporter's classification (over the store's index), `status
// certificate` (over objects listed from the API) and the renewer (over the state API).
#pragma once

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "state/state.h"

namespace certwatch::certmanager {

namespace detail {
template <typename T>
const T& Deref(const T& v) {
  return v;
}
template <typename T>
const T& Deref(const T* v) {
  return *v;
}
template <typename K, typename T>
const T& Deref(const std::pair<const K, T>& entry) {  // a map's element
  return entry.second;
}
// Newer by creation time, then by name (cert-manager's generated names sort by nothing
// meaningful, but a fixed order makes every caller pick the same object on a tie).
template <typename T>
bool Newer(const T& a, const T& b) {
  return a.created != b.created ? a.created > b.created : a.name > b.name;
}
}  // namespace detail

// Whether `r` belongs to Certificate `c` (same namespace, certificate-name annotation).
inline bool RequestOf(const CertificateRequestState& r, const CertificateState& c) {
  return r.ns == c.ns && r.certificate == c.name;
}

// A request of `c` that is history: cert-manager already issued its revision (or a later one),
// so no caller of CurrentRequest ever picks it. The Kubernetes source does not keep these
// (cert-manager keeps up to spec.revisionHistoryLimit of them per Certificate).
inline bool Superseded(const CertificateRequestState& r, const CertificateState& c) {
  return RequestOf(r, c) && r.revision <= c.revision;
}

// The request cert-manager is working on, or last failed on, for `c`: the newest of revision
// status.revision + 1; when none has that revision (status.revision lags behind a request
// cert-manager already made), the newest of a later revision. Null when there is none.
// `requests` holds CertificateRequestState values or pointers; others' requests are skipped.
template <typename Range>
const CertificateRequestState* CurrentRequest(const Range& requests, const CertificateState& c) {
  const CertificateRequestState* next = nullptr;
  const CertificateRequestState* later = nullptr;
  for (const auto& item : requests) {
    const CertificateRequestState& r = detail::Deref(item);
    if (!RequestOf(r, c) || Superseded(r, c)) continue;
    if (r.revision == c.revision + 1) {
      if (!next || detail::Newer(r, *next)) next = &r;
    } else if (r.revision > c.revision + 1) {
      if (!later || detail::Newer(r, *later)) later = &r;
    }
  }
  return next ? next : later;
}

// The newest Order of `request` (cert-manager makes a new one when an Order fails and the
// request is retried); null when there is none.
template <typename Range>
const OrderState* CurrentOrder(const Range& orders, const CertificateRequestState& request) {
  const OrderState* best = nullptr;
  for (const auto& item : orders) {
    const OrderState& o = detail::Deref(item);
    if (o.ns != request.ns || o.request != request.name) continue;
    if (!best || detail::Newer(o, *best)) best = &o;
  }
  return best;
}

// The Challenges of `order`, by name.
template <typename Range>
std::vector<const ChallengeState*> ChallengesOfOrder(const Range& challenges,
                                                     const OrderState& order) {
  std::vector<const ChallengeState*> out;
  for (const auto& item : challenges) {
    const ChallengeState& ch = detail::Deref(item);
    if (ch.ns == order.ns && ch.order == order.name) out.push_back(&ch);
  }
  std::sort(out.begin(), out.end(),
            [](const ChallengeState* a, const ChallengeState* b) { return a->name < b->name; });
  return out;
}

// An Order or Challenge state that ends issuance with an error.
inline bool FailedAcmeState(const std::string& state) {
  return state == "invalid" || state == "errored";
}

}  // namespace certwatch::certmanager
