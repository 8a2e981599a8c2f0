// The remediations the renewer can take, and one planned instance of one. Action names are
// constants: the CamelCase form is the Kubernetes Event reason and the log field, the snake_case
// form is the `action` label of certwatch_renewer_actions_total.
#pragma once

#include <string>
#include <string_view>

#include "state/keys.h"
#include "state/state.h"

namespace certwatch::renewer {

enum class ActionKind {
  kReissue,                   // cmctl-renew status update (Issuing=True, ManuallyTriggered)
  kDeleteChallenge,           // a Challenge stuck pending/invalid
  kDeleteCertificateRequest,  // a failed CertificateRequest of the current revision
  kSwitchIssuer,              // Certificate spec.issuerRef → fallback issuer
  kSwitchIngressIssuer,       // ingress-shim: the owning Ingress's issuer annotation
  kSwitchIssuerBack,          // back to the original issuer (Certificate)
  kSwitchIngressIssuerBack,   // back to the original issuer (Ingress annotation)
  kDeleteSecret,              // opt-in: the Secret of a certificate that stays invalid
  kRestartWorkload,           // opt-in: rollout restart of a workload serving a stale cert
};

struct ActionName {
  std::string_view camel;  // Event reason, log field
  std::string_view snake;  // metric label
};
ActionName NameOf(ActionKind kind);

// A Kubernetes object, enough to address it and to name it in an Event.
struct ObjectRef {
  std::string api_version;  // "cert-manager.io/v1"
  std::string kind;         // "Certificate"
  std::string ns, name;
  std::string Key() const { return ObjectKey(ns, name); }
};

ObjectRef CertificateRef(const std::string& ns, const std::string& name);

// One remediation decided by a controller, before the guard chain and execution.
struct PlannedAction {
  ActionKind kind = ActionKind::kReissue;
  std::string certificate;  // "ns/name" of the Certificate being remediated (cooldown key)
  ObjectRef target;         // the object written (deleted, patched or updated)
  ObjectRef event_object;   // the object the Event is recorded on
  std::string trigger;      // CamelCase cause, e.g. "RenewalOverdue"
  std::string message;      // human sentence for the log and the Event
  IssuerRef from, to;       // issuer switches only
  // Rules a guard applies differently per action (cert-manager composes its policy chains the
  // same way): a switch to another issuer is the answer to a rate limit and starts a fresh
  // request, so neither the rate limit nor cert-manager's backoff of the old issuer apply.
  bool exempt_rate_limit = false;
  bool exempt_backoff = false;
  // Deleting one stuck challenge does not disturb another that is still propagating.
  bool exempt_propagation = false;
};

}  // namespace certwatch::renewer
