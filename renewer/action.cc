#include "renewer/action.h"

namespace certwatch::renewer {

ActionName NameOf(ActionKind kind) {
  switch (kind) {
    case ActionKind::kReissue:
      return {"Reissue", "reissue"};
    case ActionKind::kDeleteChallenge:
      return {"DeleteChallenge", "delete_challenge"};
    case ActionKind::kDeleteCertificateRequest:
      return {"DeleteCertificateRequest", "delete_certificate_request"};
    case ActionKind::kSwitchIssuer:
      return {"SwitchIssuer", "switch_issuer"};
    case ActionKind::kSwitchIngressIssuer:
      return {"SwitchIngressIssuer", "switch_ingress_issuer"};
    case ActionKind::kSwitchIssuerBack:
      return {"SwitchIssuerBack", "switch_issuer_back"};
    case ActionKind::kSwitchIngressIssuerBack:
      return {"SwitchIngressIssuerBack", "switch_ingress_issuer_back"};
    case ActionKind::kDeleteSecret:
      return {"DeleteSecret", "delete_secret"};
    case ActionKind::kRestartWorkload:
      return {"RestartWorkload", "restart_workload"};
  }
  return {"Unknown", "unknown"};
}

ObjectRef CertificateRef(const std::string& ns, const std::string& name) {
  return ObjectRef{"cert-manager.io/v1", "Certificate", ns, name};
}

}  // namespace certwatch::renewer
