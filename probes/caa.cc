#include "probes/caa.h"

#include <algorithm>
#include <array>

#include "common/strings.h"

namespace certwatch {
namespace {

// Property tags with a defined meaning (RFC 8659 section 4.2, RFC 8657, CA/B Forum BRs);
// the issuer-critical flag on any other tag forbids issuance (section 4.1).
constexpr std::array<std::string_view, 5> kKnownTags = {"issue", "issuewild", "iodef",
                                                        "contactemail", "contactphone"};

struct KnownCa {
  std::string_view url_part;
  std::string_view ca_domain;
};
constexpr std::array<KnownCa, 5> kKnownCas = {{
    {"letsencrypt.org", "letsencrypt.org"},
    {"zerossl.com", "sectigo.com"},
    {"buypass.com", "buypass.com"},
    {"pki.goog", "pki.goog"},
    {"ssl.com", "ssl.com"},
}};

}  // namespace

std::string CaaIssuerDomain(std::string_view value) {
  auto semi = value.find(';');
  return AsciiLower(Trim(value.substr(0, semi)));
}

CaaDecision EvaluateCaa(const std::vector<DnsRecord>& rrset, std::string_view ca_domain,
                        bool wildcard) {
  if (rrset.empty()) return {true, "no CAA records: any CA may issue"};
  for (const auto& rr : rrset) {
    bool known = std::find(kKnownTags.begin(), kKnownTags.end(), rr.caa_tag) != kKnownTags.end();
    if ((rr.caa_flags & 0x80) != 0 && !known) {
      return {false, "critical CAA property \"" + rr.caa_tag + "\" is not understood"};
    }
  }
  bool has_issuewild = std::any_of(rrset.begin(), rrset.end(),
                                   [](const DnsRecord& rr) { return rr.caa_tag == "issuewild"; });
  std::string tag = (wildcard && has_issuewild) ? "issuewild" : "issue";
  bool any = false;
  std::string want = AsciiLower(ca_domain);
  for (const auto& rr : rrset) {
    if (rr.caa_tag != tag) continue;
    any = true;
    if (!want.empty() && CaaIssuerDomain(rr.caa_value) == want) {
      return {true, tag + " \"" + rr.caa_value + "\" allows " + want};
    }
  }
  if (!any) return {true, "no " + tag + " property: any CA may issue"};
  return {false, "no " + tag + " property names " + (want.empty() ? "the CA" : want)};
}

std::string CaDomainForAcmeServer(std::string_view acme_server,
                                  const std::vector<CaaIssuerConfig>& configured) {
  std::string url = AsciiLower(acme_server);
  if (url.empty()) return "";
  for (const auto& c : configured) {
    if (!c.acme_server_substring.empty() &&
        url.find(AsciiLower(c.acme_server_substring)) != std::string::npos) {
      return AsciiLower(c.ca_domain);
    }
  }
  for (const auto& k : kKnownCas) {
    if (url.find(k.url_part) != std::string::npos) return std::string(k.ca_domain);
  }
  return "";
}

std::string ParentDomain(std::string_view name) {
  auto dot = name.find('.');
  if (dot == std::string_view::npos) return "";
  return std::string(name.substr(dot + 1));
}

}  // namespace certwatch
