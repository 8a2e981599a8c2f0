#include "probes/dns_checks.h"

#include <algorithm>
#include <memory>
#include <set>

#include "common/strings.h"
#include "probes/caa.h"

namespace certwatch {
namespace {

constexpr size_t kMaxTxtValues = 16;  // TXT values kept per challenge result

std::string StripWildcard(std::string_view name) {
  return std::string(name.rfind("*.", 0) == 0 ? name.substr(2) : name);
}

// Collects answers that arrive in any order into the order they were asked in, and calls
// `done` once the last slot is filled and no more slots can come.
template <class T>
struct Gather {
  std::vector<std::optional<T>> slots;
  size_t filled = 0;
  bool open = true;  // more slots may still be added
  std::function<void(std::vector<T>)> done;

  size_t Add() {
    slots.emplace_back();
    return slots.size() - 1;
  }
  void Fill(size_t i, T value) {
    slots[i] = std::move(value);
    ++filled;
    MaybeDone();
  }
  void Close() {
    open = false;
    MaybeDone();
  }
  void MaybeDone() {
    if (open || filled < slots.size() || !done) return;
    std::vector<T> out;
    out.reserve(slots.size());
    for (auto& s : slots) out.push_back(std::move(*s));
    auto cb = std::move(done);
    done = nullptr;
    cb(std::move(out));
  }
};

}  // namespace

DnsProbeResult ProbeResultOf(const std::string& label, const std::string& address,
                             const std::string& name, DnsType type, const DnsQueryResult& res,
                             UnixSeconds now) {
  return DnsProbeResult{.resolver = label,
                        .name = name,
                        .type = std::string(DnsTypeName(type)),
                        .success = res.success,
                        .rcode = res.rcode,
                        .error = res.error,
                        .duration_seconds = res.duration_seconds,
                        .answers = res.answers,
                        .min_ttl = res.min_ttl,
                        .last_probe = now,
                        .answer_count = res.answer_count,
                        .address = address};
}

DnsConsistency ConsistencyOf(const std::string& name, const std::string& type,
                             const std::vector<const DnsProbeResult*>& results,
                             const DnsConsistency* previous, UnixSeconds now) {
  std::set<std::string> opinions;
  for (const auto* p : results) {
    if (!IsDataRcode(p->rcode)) continue;
    std::string opinion = p->rcode + " ";
    for (size_t i = 0; i < p->answers.size(); ++i) opinion += (i ? "," : "") + p->answers[i];
    opinions.insert(std::move(opinion));
  }
  DnsConsistency c;
  c.name = name;
  c.type = type;
  c.consistent = opinions.size() <= 1;
  if (!c.consistent) {
    c.inconsistent_since = previous && !previous->consistent && previous->inconsistent_since > 0
                               ? previous->inconsistent_since
                               : now;
  }
  return c;
}

DnsChallengeResult ChallengeResultOf(const ChallengeState& challenge, const std::string& label,
                                     const std::string& query_name, const DnsQueryResult& res,
                                     UnixSeconds now, UnixSeconds presented_since) {
  DnsChallengeResult c;
  c.ns = challenge.ns;
  c.challenge = challenge.name;
  c.domain = challenge.dns_name;
  c.resolver = label;
  c.query_name = query_name;
  c.rcode = res.rcode;
  c.error = res.error;
  c.values = res.answers;
  if (c.values.size() > kMaxTxtValues) c.values.resize(kMaxTxtValues);
  c.propagated = res.success && std::find(res.answers.begin(), res.answers.end(), challenge.key) !=
                                    res.answers.end();
  c.last_probe = now;
  c.presented_since = presented_since;
  return c;
}

CaaResult CaaResultOf(const CaaSubject& subject, const CaaLookup& lookup, UnixSeconds now) {
  CaaResult res;
  res.ns = subject.ns;
  res.certificate = subject.certificate;
  res.domain = subject.dns_name;
  res.issuer = subject.issuer;
  res.ca_domain = subject.ca_domain;
  res.record_domain = lookup.record_domain;
  res.wildcard = subject.dns_name.rfind("*.", 0) == 0;
  res.last_probe = now;
  for (const auto& rr : lookup.records) res.records.push_back(rr.data);
  if (!lookup.error.empty()) {
    res.allowed = false;
    res.reason = lookup.error;
  } else {
    auto d = EvaluateCaa(lookup.records, subject.ca_domain, res.wildcard);
    res.allowed = d.allowed;
    res.reason = d.reason;
  }
  return res;
}

bool IsDns01(std::string_view challenge_type) { return EqualsIgnoreCase(challenge_type, "dns-01"); }

std::string AcmeChallengeName(std::string_view domain) {
  return "_acme-challenge." + NormalizeDnsName(StripWildcard(domain));
}

std::string CaaLookupName(std::string_view dns_name) {
  return NormalizeDnsName(StripWildcard(dns_name));
}

void CheckQuestion(DnsLookup& lookup, const std::string& name, const std::vector<DnsType>& types,
                   bool authoritative, UnixSeconds now,
                   std::function<void(std::vector<DnsProbeResult>)> done) {
  auto gather = std::make_shared<Gather<DnsProbeResult>>();
  gather->done = std::move(done);
  auto ask = [&lookup, gather, name, now](const std::string& label, const std::string& address,
                                          DnsType type, bool rd) {
    size_t slot = gather->Add();
    lookup.Ask(address, name, type, rd,
               [gather, slot, label, address, name, type, now](const DnsQueryResult& res) {
                 gather->Fill(slot, ProbeResultOf(label, address, name, type, res, now));
               });
  };
  for (const auto& resolver : lookup.resolvers()) {
    for (DnsType type : types) ask(resolver, resolver, type, true);
  }
  if (!authoritative || types.empty()) {
    gather->Close();
    return;
  }
  lookup.FindAuthServers(name, [gather, ask, types](std::vector<AuthServer> servers) {
    for (const auto& s : servers) {
      for (DnsType type : types) ask(s.label, s.address, type, false);
    }
    gather->Close();
  });
}

void CheckChallenge(DnsLookup& lookup, const ChallengeState& challenge, bool authoritative,
                    UnixSeconds now, UnixSeconds presented_since,
                    std::function<void(std::vector<DnsChallengeResult>)> done) {
  auto gather = std::make_shared<Gather<DnsChallengeResult>>();
  gather->done = std::move(done);
  lookup.FollowCname(
      AcmeChallengeName(challenge.dns_name),
      [&lookup, gather, challenge, authoritative, now, presented_since](std::string final_name) {
        auto ask = [&lookup, gather, challenge, final_name, now, presented_since](
                       const std::string& label, const std::string& address, bool rd) {
          size_t slot = gather->Add();
          lookup.Ask(address, final_name, DnsType::kTxt, rd,
                     [gather, slot, challenge, label, final_name, now,
                      presented_since](const DnsQueryResult& res) {
                       gather->Fill(slot, ChallengeResultOf(challenge, label, final_name, res, now,
                                                            presented_since));
                     });
        };
        for (const auto& resolver : lookup.resolvers()) ask(resolver, resolver, true);
        if (!authoritative) {
          gather->Close();
          return;
        }
        lookup.FindAuthServers(final_name, [gather, ask](std::vector<AuthServer> servers) {
          for (const auto& s : servers) ask(s.label, s.address, false);
          gather->Close();
        });
      });
}

void CheckCaa(DnsLookup& lookup, const CaaSubject& subject, UnixSeconds now,
              std::function<void(CaaResult)> done) {
  lookup.ClimbCaa(CaaLookupName(subject.dns_name),
                  [subject, now, done = std::move(done)](const CaaLookup& l) {
                    done(CaaResultOf(subject, l, now));
                  });
}

}  // namespace certwatch
