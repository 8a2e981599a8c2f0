#include "exporter/kube/decode_csr.h"

#include "exporter/kube/decode_fields.h"

namespace certwatch {

using namespace decode_fields;  // NOLINT: the shared decoding pieces

void DecodeCsr(od::object obj, CsrState& out, DecodeOutput& d) {
  Ctx c{"CertificateSigningRequest", d};
  Condition approved, denied, failed;
  bool issued = false;
  Fields(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") {
      Meta(v, c, nullptr, NoAnnotations);
    } else if (k == "spec") {
      Fields(v, [&](std::string_view sk, od::value sv) {
        if (sk != "signerName") return;
        std::string_view s;
        if (sv.get_string().get(s) == simdjson::SUCCESS) {
          out.signer_name = s;
        } else {
          c.Warn("spec.signerName", "not a string");
        }
      });
    } else if (k == "status") {
      Fields(v, [&](std::string_view sk, od::value sv) {
        if (sk == "conditions") {
          Conditions(sv, c, {{"Approved", &approved}, {"Denied", &denied}, {"Failed", &failed}});
        } else if (sk == "certificate") {
          // Base64 of the issued PEM; only whether it is there matters here.
          issued = !Str(sv).empty();
        }
      });
    }
  });
  out.ns.clear();
  out.name = d.meta.name;
  out.created = d.meta.created;
  if (denied.status == "True") {
    out.condition = CsrCondition::kDenied;
  } else if (failed.status == "True") {
    out.condition = CsrCondition::kFailed;
  } else if (approved.status == "True") {
    out.condition = issued ? CsrCondition::kIssued : CsrCondition::kApproved;
  } else {
    out.condition = CsrCondition::kPending;
  }
}

}  // namespace certwatch
