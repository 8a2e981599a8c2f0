// CAA (RFC 8659): which CA may issue for a name. Pure functions; the DNS scheduler does the
// lookups (climbing from the name towards the root to the closest non-empty CAA RRset) and
// feeds the RRset here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "probes/dns_message.h"

namespace certwatch {

struct CaaDecision {
  bool allowed = true;
  std::string reason;  // why, for logs and the state API
};

// Evaluates the relevant RRset (CAA records of one owner) for `ca_domain` (the CA's
// issuer-domain-name, e.g. "letsencrypt.org"). Wildcard names use `issuewild` when the set has
// any, else `issue` (section 4.3). An empty set allows everyone; a set without the property
// in question allows everyone; a critical property certwatch does not understand forbids.
CaaDecision EvaluateCaa(const std::vector<DnsRecord>& rrset, std::string_view ca_domain,
                        bool wildcard);

// The issuer-domain-name in an issue/issuewild value: "letsencrypt.org; accounturi=..." ->
// "letsencrypt.org"; ";" -> "" (nobody).
std::string CaaIssuerDomain(std::string_view value);

// CA domain for an ACME directory URL: configured mappings first (substring of the URL), then
// Let's Encrypt -> letsencrypt.org, ZeroSSL -> sectigo.com, Buypass -> buypass.com,
// Google Trust Services -> pki.goog, SSL.com -> ssl.com. "" when unknown.
std::string CaDomainForAcmeServer(std::string_view acme_server,
                                  const std::vector<CaaIssuerConfig>& configured);

// "a.b.example" -> "b.example"; "example" -> "" (the climb stops before the root).
std::string ParentDomain(std::string_view name);

}  // namespace certwatch
