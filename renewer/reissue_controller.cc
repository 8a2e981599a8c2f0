// Re-triggers issuance the way `cmctl renew` does, for certificates whose renewal is overdue or
// that have not been Ready for too long. Whether it may run now (rate limit, propagating
// challenge, backoff, budget) is the guard chain's call, not this controller's.
#include "renewer/controller.h"

namespace certwatch::renewer {
namespace {

class ReissueController final : public Controller {
 public:
  std::string_view Name() const override { return "reissue"; }

  std::vector<PlannedAction> ProcessItem(const ControllerContext& ctx,
                                         const CertificateState& cert) const override {
    // cert-manager is already issuing: another trigger would change nothing.
    if (cert.issuing.status == "True") return {};

    std::string cause, message;
    if (cert.renewal_time) {
      TimePoint renewal{std::chrono::seconds(*cert.renewal_time)};
      if (ctx.now > renewal + ctx.config.renew_overdue_after) {
        cause = trigger::kRenewalOverdue;
        message = "renewal time " + FormatTime(renewal) + " passed " +
                  FormatAge(ctx.now - renewal) + " ago (renewer.renew_overdue_after " +
                  FormatAge(ctx.config.renew_overdue_after) + ")";
      }
    }
    if (cause.empty() && (cert.ready.status == "False" || cert.ready.status == "Unknown") &&
        cert.ready.last_transition > 0) {
      TimePoint since{std::chrono::seconds(cert.ready.last_transition)};
      if (ctx.now - since > ctx.config.not_ready_after) {
        cause = trigger::kNotReady;
        message = "not Ready for " + FormatAge(ctx.now - since) + " (reason " +
                  (cert.ready.reason.empty() ? "unknown" : cert.ready.reason) +
                  "; renewer.not_ready_after " + FormatAge(ctx.config.not_ready_after) + ")";
      }
    }
    if (cause.empty()) return {};

    PlannedAction a;
    a.kind = ActionKind::kReissue;
    a.certificate = ObjectKey(cert.ns, cert.name);
    a.target = CertificateRef(cert.ns, cert.name);
    a.event_object = a.target;
    a.trigger = cause;
    a.message = "re-triggered issuance: " + message;
    return {a};
  }
};

}  // namespace

std::unique_ptr<Controller> NewReissueController() { return std::make_unique<ReissueController>(); }

}  // namespace certwatch::renewer
