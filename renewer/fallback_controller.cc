// Issuer fallback: a certificate rate-limited on an issuer listed as `from` in
// renewer.fallback_issuers is switched to that entry's `to`. A certificate made by ingress-shim
// is switched on its owning Ingress's cert-manager.io/cluster-issuer / issuer annotation (the
// shim would revert a change to the Certificate itself); any other on spec.issuerRef. The
// switch writes certwatch.io/fallback-from and -at annotations next to it; with
// renewer.switch_back the certificate goes back once it is Ready on the fallback and
// renewer.switch_back_after (the ACME rate-limit window) has passed.
#include "renewer/controller.h"

namespace certwatch::renewer {
namespace {

bool SameIssuer(const IssuerRef& a, const IssuerRefConfig& b) {
  return a.name == b.name && a.kind == b.kind && a.group == b.group;
}

IssuerRef ToRef(const IssuerRefConfig& c) { return IssuerRef{c.name, c.kind, c.group}; }

class IssuerFallbackController final : public Controller {
 public:
  std::string_view Name() const override { return "issuer_fallback"; }

  std::vector<PlannedAction> ProcessItem(const ControllerContext& ctx,
                                         const CertificateState& cert) const override {
    const IngressState* ingress = nullptr;
    if (!cert.owner_ingress.empty()) {
      auto it = ctx.snapshot.data.ingresses.find(ObjectKey(cert.ns, cert.owner_ingress));
      if (it != ctx.snapshot.data.ingresses.end()) ingress = &it->second;
    }
    bool rate_limited = cert.acme_rate_limited || cert.failure == FailureReason::kRateLimited;
    if (rate_limited) return SwitchAway(ctx, cert, ingress);
    if (ctx.config.switch_back && cert.ready.status == "True") {
      return SwitchBack(ctx, cert, ingress);
    }
    return {};
  }

 private:
  PlannedAction Base(const CertificateState& cert, const IngressState* ingress, bool via_ingress,
                     bool back) const {
    PlannedAction a;
    a.kind = via_ingress
                 ? (back ? ActionKind::kSwitchIngressIssuerBack : ActionKind::kSwitchIngressIssuer)
                 : (back ? ActionKind::kSwitchIssuerBack : ActionKind::kSwitchIssuer);
    a.certificate = ObjectKey(cert.ns, cert.name);
    a.target = via_ingress ? ObjectRef{"networking.k8s.io/v1", "Ingress", cert.ns,
                                       ingress ? ingress->name : cert.owner_ingress.str()}
                           : CertificateRef(cert.ns, cert.name);
    a.event_object = a.target;
    // The new issuer has no rate limit and a changed issuer is a new request for cert-manager
    // (no backoff applies to it); nothing it does disturbs a propagating record.
    a.exempt_rate_limit = true;
    a.exempt_backoff = true;
    a.exempt_propagation = true;
    return a;
  }

  std::vector<PlannedAction> SwitchAway(const ControllerContext& ctx, const CertificateState& cert,
                                        const IngressState* ingress) const {
    for (const FallbackIssuerConfig& f : ctx.config.fallback_issuers) {
      if (!SameIssuer(cert.issuer, f.from)) continue;
      bool via_ingress = !cert.owner_ingress.empty();
      PlannedAction a = Base(cert, ingress, via_ingress, false);
      a.trigger = trigger::kRateLimited;
      a.from = cert.issuer;
      a.to = ToRef(f.to);
      a.message = "switched " +
                  std::string(via_ingress ? "Ingress " + a.target.name + " of " : "") +
                  "certificate " + cert.name + " from " + IssuerString(a.from) + " to " +
                  IssuerString(a.to) + ": rate-limited on " + cert.issuer.name;
      return {a};
    }
    return {};
  }

  std::vector<PlannedAction> SwitchBack(const ControllerContext& ctx, const CertificateState& cert,
                                        const IngressState* ingress) const {
    bool via_ingress = !cert.owner_ingress.empty();
    const auto& notes =
        via_ingress && ingress ? ingress->certwatch_annotations : cert.certwatch_annotations;
    auto from_it = notes.find(std::string(kFallbackFromAnnotation));
    auto at_it = notes.find(std::string(kFallbackAtAnnotation));
    if (from_it == notes.end() || at_it == notes.end()) return {};
    auto original = ParseIssuerString(from_it->second);
    auto at = ParseTime(at_it->second);
    if (!original || !at) return {};
    // Only undo our own switch: the certificate must still be on that entry's fallback.
    bool ours = false;
    for (const FallbackIssuerConfig& f : ctx.config.fallback_issuers) {
      if (SameIssuer(*original, f.from) && SameIssuer(cert.issuer, f.to)) ours = true;
    }
    if (!ours) return {};
    TimePoint switched{std::chrono::seconds(*at)};
    if (ctx.now - switched < ctx.config.switch_back_after) return {};

    PlannedAction a = Base(cert, ingress, via_ingress, true);
    a.trigger = trigger::kFallbackExpired;
    a.from = cert.issuer;
    a.to = *original;
    // Going back to the original issuer is a request to it again: its rate limit matters.
    a.exempt_rate_limit = false;
    a.message = "switched certificate " + cert.name + " back from " + IssuerString(a.from) +
                " to " + IssuerString(a.to) + ": on the fallback since " + FormatTime(switched) +
                " (renewer.switch_back_after " + FormatAge(ctx.config.switch_back_after) + ")";
    return {a};
  }
};

}  // namespace

std::unique_ptr<Controller> NewIssuerFallbackController() {
  return std::make_unique<IssuerFallbackController>();
}

}  // namespace certwatch::renewer
