// What `certwatch status certificate` knows about one Certificate once everything has been
// gathered: the cert-manager objects of its issuance chain, the endpoints that serve it, its
// DNS-01 records per resolver and its CAA verdicts. Plain data built from the state-store
// structs, so the verdict (diagnose/verdict.h) is a pure function of it and a clock.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "state/state.h"

namespace certwatch {

// A core/v1 Event about one object of the chain (the issuer's own error text usually lives
// here: ACME challenge failures, authorization errors, webhook rejections).
struct KubeEvent {
  std::string kind, name;  // involvedObject
  std::string type;        // Normal, Warning
  std::string reason, message;
  int count = 1;
  UnixSeconds last = 0;  // lastTimestamp, else eventTime, else creation
};

struct DiagnoseInput {
  std::string ns, name;
  CertificateState certificate;

  // Each lookup below is absent either because the object does not exist or because the
  // lookup failed; `*_error` says which ("" = not found / not applicable).
  std::optional<IssuerState> issuer;
  std::string issuer_error;
  std::optional<SecretCertState> secret;
  std::string secret_error;
  // The "next" CertificateRequest: revision status.revision+1 of this Certificate.
  std::optional<CertificateRequestState> request;
  int request_revision = 0;  // the revision looked for
  std::optional<OrderState> order;
  std::vector<ChallengeState> challenges;  // of `order`

  // Events of the Certificate, the request, the Order and the Challenges, oldest first.
  std::vector<KubeEvent> events;

  // Endpoints that should serve this certificate (tls_probes.targets with certificate:
  // ns/name, and the hosts of Ingresses whose tls secretName is the Certificate's secretName),
  // each probed once. `source` says where the target came from.
  std::vector<TlsProbeResult> endpoints;
  std::string endpoints_skipped;  // why no endpoint was probed ("" = probed, or none known)
  // One entry per (DNS-01 challenge still in progress, resolver): is the key there?
  std::vector<DnsChallengeResult> dns;
  std::vector<std::string> resolvers;  // dns_probes.resolvers, as configured
  // One entry per dnsName of the Certificate, for the issuer's CA (ACME issuers only).
  std::vector<CaaResult> caa;
  std::string caa_skipped;  // why CAA was not evaluated ("" = evaluated or nothing to do)

  // Failures of the walk itself (a list that was forbidden, a prober that could not start).
  std::vector<std::string> gather_errors;

  // generator.runbook_base_url: the runbook links point at <base>#<alert name, lower case>,
  // or at runbooks.md#<alert name, lower case> (kRunbookFile) when it is empty.
  std::string runbook_base_url;
};

}  // namespace certwatch
