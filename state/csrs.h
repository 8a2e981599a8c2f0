// A CertificateSigningRequest (certificates.k8s.io/v1), trimmed to what kubernetes.csrs
// exports: who signs it, when it was made, and where it stands.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace certwatch {

// The one current state of a CSR. Denied and Failed win over Approved (a CSR can carry both);
// Issued is Approved with status.certificate written.
enum class CsrCondition { kPending, kApproved, kDenied, kFailed, kIssued };

inline constexpr CsrCondition kCsrConditions[] = {CsrCondition::kPending, CsrCondition::kApproved,
                                                  CsrCondition::kDenied, CsrCondition::kFailed,
                                                  CsrCondition::kIssued};

// The label value of certwatch_csr_condition{condition}: Kubernetes' own spelling.
inline std::string_view ToString(CsrCondition c) {
  switch (c) {
    case CsrCondition::kPending:
      return "Pending";
    case CsrCondition::kApproved:
      return "Approved";
    case CsrCondition::kDenied:
      return "Denied";
    case CsrCondition::kFailed:
      return "Failed";
    case CsrCondition::kIssued:
      return "Issued";
  }
  return "Pending";
}

struct CsrState {
  std::string ns;  // always "": CSRs are cluster-scoped (the kube source's Prune reads it)
  std::string name;
  std::string signer_name;
  int64_t created = 0;  // metadata.creationTimestamp, unix seconds
  CsrCondition condition = CsrCondition::kPending;
};

}  // namespace certwatch
