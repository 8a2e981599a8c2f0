// The Actuator that writes to Kubernetes. Each action is the request an engineer following the
// runbook would make:
//   Reissue                  GET the Certificate, then PUT .../status with condition
//                            Issuing=True, reason ManuallyTriggered, message "Certificate
//                            re-issuance manually triggered", observedGeneration =
//                            metadata.generation — byte for byte what `cmctl renew` sends
//                            (it keeps lastTransitionTime when Issuing was already True);
//   DeleteChallenge / DeleteCertificateRequest / DeleteSecret
//                            DELETE the object (already gone counts as done);
//   SwitchIssuer[Back]       merge-PATCH spec.issuerRef and the certwatch.io/fallback-*
//                            annotations of the Certificate;
//   SwitchIngressIssuer[Back] merge-PATCH the Ingress's cert-manager.io/cluster-issuer or
//                            issuer (+ issuer-kind/issuer-group for external issuers) and the
//                            certwatch.io/fallback-* annotations;
//   RestartWorkload          strategic-merge-PATCH spec.template.metadata.annotations
//                            kubectl.kubernetes.io/restartedAt, as `kubectl rollout restart`.
// Events are core/v1 Events POSTed to the object's namespace, source certwatch-renewer.
#pragma once

#include <string>

#include "renewer/actuator.h"
#include "renewer/kube_api.h"

namespace certwatch::renewer {

inline constexpr std::string_view kComponent = "certwatch-renewer";
// On each Event: which certificate the action was for and which action (exporter/kube reads
// them back into the state's renewer_last_action).
inline constexpr std::string_view kEventCertificateAnnotation = "certwatch.io/certificate";
inline constexpr std::string_view kEventActionAnnotation = "certwatch.io/action";

class KubeActuator final : public Actuator {
 public:
  KubeActuator(KubeApi& api, std::string identity) : api_(api), identity_(std::move(identity)) {}

  Status Execute(const PlannedAction& action, TimePoint now) override;
  Status RecordEvent(const EventRecord& event, TimePoint now) override;

 private:
  Status Reissue(const PlannedAction& a, TimePoint now);
  Status Delete(const PlannedAction& a);
  Status Patch(const PlannedAction& a, const std::string& body, std::string_view content_type);

  KubeApi& api_;
  std::string identity_;
};

// API path of an object: /apis/<group>/<version>/namespaces/<ns>/<plural>/<name> (or /api/v1
// for the core group). Error for a kind the renewer does not write.
Result<std::string> ObjectPath(const ObjectRef& ref);

// The body of each patch, for tests and docs.
std::string IssuerRefPatch(const IssuerRef& to, const IssuerRef* original, TimePoint now);
std::string IngressIssuerPatch(const IssuerRef& to, const IssuerRef* original, TimePoint now);
std::string RestartPatch(TimePoint now);

}  // namespace certwatch::renewer
