// Deletes the certificate's current CertificateRequest — the one cert-manager works on for the
// next issuance, revision status.revision + 1 (certmanager/requests.h) — when it failed or was
// denied, once it has been so for renewer.challenge_stuck_after, so the next attempt starts
// from a fresh request. Requests of older revisions are history and stay.
#include "certmanager/requests.h"
#include "renewer/controller.h"

namespace certwatch::renewer {
namespace {

class FailedRequestController final : public Controller {
 public:
  std::string_view Name() const override { return "failed_request"; }

  std::vector<PlannedAction> ProcessItem(const ControllerContext& ctx,
                                         const CertificateState& cert) const override {
    // The request cert-manager works on (certmanager/requests.h); older ones are history.
    const CertificateRequestState* cr =
        certmanager::CurrentRequest(RequestsOf(ctx.snapshot.data, cert), cert);
    if (!cr) return {};
    const bool denied = cr->denied.status == "True";
    const bool failed = cr->ready.status == "False" && cr->ready.reason == "Failed";
    if (!denied && !failed) return {};
    UnixSeconds at =
        cr->failure_time.value_or(denied ? cr->denied.last_transition : cr->ready.last_transition);
    if (at <= 0) return {};
    auto age = ctx.now - TimePoint{std::chrono::seconds(at)};
    if (age <= ctx.config.challenge_stuck_after) return {};

    PlannedAction a;
    a.kind = ActionKind::kDeleteCertificateRequest;
    a.certificate = ObjectKey(cert.ns, cert.name);
    a.target = ObjectRef{"cert-manager.io/v1", "CertificateRequest", cr->ns, cr->name};
    a.event_object = CertificateRef(cert.ns, cert.name);
    a.trigger = trigger::kRequestFailed;
    const Condition& c = denied ? cr->denied : cr->ready;
    a.message = "deleted CertificateRequest " + cr->name + " (revision " +
                std::to_string(cr->revision) + "): " + (denied ? "denied" : "failed") + " " +
                FormatAge(age) + " ago" + (c.message.empty() ? "" : ": " + c.message);
    std::vector<PlannedAction> out;
    out.push_back(std::move(a));
    return out;
  }
};

}  // namespace

std::unique_ptr<Controller> NewFailedRequestController() {
  return std::make_unique<FailedRequestController>();
}

}  // namespace certwatch::renewer
