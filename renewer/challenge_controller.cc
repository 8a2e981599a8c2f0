// Deletes Challenges stuck beyond renewer.challenge_stuck_after whose outcome is already
// known: invalid/errored ones, and pending DNS-01 ones whose TXT record every resolver already
// returns (the ACME server should have validated them by now). cert-manager then recreates the
// Challenge from its Order and retries cleanly. A pending challenge whose record is still
// missing somewhere is left alone: deleting it would restart propagation.
#include "renewer/controller.h"

namespace certwatch::renewer {
namespace {

class StuckChallengeController final : public Controller {
 public:
  std::string_view Name() const override { return "stuck_challenge"; }

  std::vector<PlannedAction> ProcessItem(const ControllerContext& ctx,
                                         const CertificateState& cert) const override {
    std::vector<PlannedAction> out;
    for (const ChallengeState* ch : ChallengesOf(ctx.snapshot.data, cert)) {
      if (ch->created <= 0) continue;
      TimePoint created{std::chrono::seconds(ch->created)};
      auto age = ctx.now - created;
      if (age <= ctx.config.challenge_stuck_after) continue;

      bool failed = ch->state == "invalid" || ch->state == "errored";
      bool pending = ch->state == "pending" || ch->state.empty();
      Propagation p = PropagationOf(ctx.snapshot.data, *ch);
      std::string cause, why;
      if (failed) {
        cause = trigger::kChallengeFailed;
        why = "is " + ch->state + (ch->reason.empty() ? "" : " (" + ch->reason + ")");
      } else if (pending && ch->type == "DNS-01" && p.Everywhere()) {
        cause = trigger::kChallengeStuck;
        why = "is pending although its TXT record is on all " + std::to_string(p.resolvers) +
              " resolvers";
      } else {
        continue;
      }
      PlannedAction a;
      a.kind = ActionKind::kDeleteChallenge;
      a.certificate = ObjectKey(cert.ns, cert.name);
      a.target = ObjectRef{"acme.cert-manager.io/v1", "Challenge", ch->ns, ch->name};
      // The Challenge is gone after the action: the Event goes on the Certificate.
      a.event_object = CertificateRef(cert.ns, cert.name);
      a.trigger = cause;
      a.message = "deleted Challenge " + ch->name + " for " + ch->dns_name + ": it " + why +
                  " after " + FormatAge(age) + " (renewer.challenge_stuck_after " +
                  FormatAge(ctx.config.challenge_stuck_after) + ")";
      a.exempt_propagation = true;
      out.push_back(std::move(a));
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<Controller> NewStuckChallengeController() {
  return std::make_unique<StuckChallengeController>();
}

}  // namespace certwatch::renewer
