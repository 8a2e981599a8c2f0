#include "renewer/lease.h"

#include <nlohmann/json.hpp>

namespace certwatch::renewer {
namespace {
using Json = nlohmann::ordered_json;
}  // namespace

LeaderElector::LeaderElector(KubeApi& api, const Clock& clock, LeaseOptions options,
                             const Logger& log)
    : api_(api), clock_(clock), opt_(std::move(options)), log_(log) {}

std::string LeaderElector::path() const {
  return "/apis/coordination.k8s.io/v1/namespaces/" + opt_.ns + "/leases/" + opt_.name;
}

std::string DefaultLeaseNamespace(const std::string& config_namespace) {
  return config_namespace.empty() ? "default" : config_namespace;
}

std::string LeaseErrorHint(const std::string& error, const std::string& ns) {
  if (error.find("namespaces \"" + ns + "\" not found") != std::string::npos) {
    return "namespace " + ns +
           " does not exist: set renewer.lease_namespace to an existing namespace (\"\" = the "
           "pod's own, else the kubeconfig context's, else default)";
  }
  if (error.find("403") != std::string::npos || error.find("orbidden") != std::string::npos) {
    return "RBAC: the renewer's service account needs get, create and update on "
           "leases.coordination.k8s.io in namespace " +
           ns + " (config/deploy/base/rbac-renewer.yaml)";
  }
  return "";
}

bool LeaderElector::Fail(const std::string& what) {
  const std::string hint = LeaseErrorHint(what, opt_.ns);
  const std::string error = hint.empty() ? what : what + "; " + hint;
  if (leader_) {
    log_.Warn("lost the Lease", {{"lease", opt_.ns + "/" + opt_.name}, {"err", error}});
  } else if (error != last_error_) {  // once per distinct error, not every round
    log_.Warn("cannot contest the Lease", {{"lease", opt_.ns + "/" + opt_.name}, {"err", error}});
  }
  last_error_ = error;
  leader_ = false;
  return false;
}

bool LeaderElector::Tick() {
  const auto now = clock_.Now();
  auto got = api_.Do("GET", path(), {}, kJsonContentType);
  if (!got) return Fail(got.error().message);

  Json lease;
  std::string old_holder;
  std::string acquire_time;
  int64_t transitions = 0;
  int64_t duration = opt_.duration.count();
  if (got->status == 404) {
    lease = {{"apiVersion", "coordination.k8s.io/v1"},
             {"kind", "Lease"},
             {"metadata", {{"name", opt_.name}, {"namespace", opt_.ns}}}};
  } else if (got->ok()) {
    lease = Json::parse(got->body, nullptr, false);
    if (!lease.is_object()) return Fail("GET " + path() + ": body is not a JSON object");
    const Json spec = lease.value("spec", Json::object());
    old_holder = spec.value("holderIdentity", "");
    acquire_time = spec.value("acquireTime", "");
    transitions = spec.value("leaseTransitions", int64_t{0});
    duration = spec.value("leaseDurationSeconds", duration);
    std::string rv = lease.value("metadata", Json::object()).value("resourceVersion", "");
    std::string record = old_holder + "|" + spec.value("renewTime", "") + "|" + rv;
    if (record != observed_record_) {
      observed_record_ = record;
      observed_at_ = now;
    }
    // Held by another replica whose renewals we have seen within its lease duration.
    if (!old_holder.empty() && old_holder != opt_.identity && observed_at_ &&
        now < *observed_at_ + std::chrono::seconds(duration)) {
      if (leader_) log_.Warn("Lease taken by another replica", {{"holder", old_holder}});
      leader_ = false;
      last_error_.clear();  // contested fine: a standby is ready
      return false;
    }
  } else {
    return Fail("GET " + path() + ": " + got->Describe());
  }

  const bool was_ours = old_holder == opt_.identity && !old_holder.empty();
  const std::string now_s = KubeMicroTime(now);
  Json& spec = lease["spec"];
  spec["holderIdentity"] = opt_.identity;
  spec["leaseDurationSeconds"] = opt_.duration.count();
  spec["acquireTime"] = was_ours && !acquire_time.empty() ? acquire_time : now_s;
  spec["renewTime"] = now_s;
  spec["leaseTransitions"] = was_ours || got->status == 404 ? transitions : transitions + 1;

  auto put = got->status == 404
                 ? api_.Do("POST", "/apis/coordination.k8s.io/v1/namespaces/" + opt_.ns + "/leases",
                           lease.dump(), kJsonContentType)
                 : api_.Do("PUT", path(), lease.dump(), kJsonContentType);
  if (!put) return Fail(put.error().message);
  if (put->status == 409) {  // another candidate wrote first this round
    leader_ = false;
    last_error_.clear();
    return false;
  }
  if (!put->ok()) return Fail("write " + path() + ": " + put->Describe());
  Json written = Json::parse(put->body, nullptr, false);
  if (written.is_object()) {
    std::string rv = written.value("metadata", Json::object()).value("resourceVersion", "");
    observed_record_ = opt_.identity + "|" + now_s + "|" + rv;
    observed_at_ = now;
  }
  if (!leader_) {
    log_.Info("acquired the Lease",
              {{"lease", opt_.ns + "/" + opt_.name},
               {"identity", opt_.identity},
               {"previous_holder", old_holder.empty() ? "none" : old_holder}});
  }
  leader_ = true;
  last_error_.clear();
  return true;
}

void LeaderElector::Release() {
  if (!leader_) return;
  leader_ = false;
  auto got = api_.Do("GET", path(), {}, kJsonContentType);
  if (!got || !got->ok()) return;
  Json lease = Json::parse(got->body, nullptr, false);
  if (!lease.is_object()) return;
  Json& spec = lease["spec"];
  if (spec.value("holderIdentity", "") != opt_.identity) return;
  const std::string now_s = KubeMicroTime(clock_.Now());
  spec["holderIdentity"] = "";
  spec["leaseDurationSeconds"] = 1;
  spec["renewTime"] = now_s;
  spec["acquireTime"] = now_s;
  auto put = api_.Do("PUT", path(), lease.dump(), kJsonContentType);
  if (put && put->ok()) log_.Info("released the Lease", {{"lease", opt_.ns + "/" + opt_.name}});
}

}  // namespace certwatch::renewer
