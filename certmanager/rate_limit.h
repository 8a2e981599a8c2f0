// How an ACME rate limit reads in the messages cert-manager copies from the ACME server into
// Order.status.reason, CertificateRequest Ready and Certificate Issuing conditions.
#pragma once

#include <optional>
#include <string_view>

#include "state/state.h"

namespace certwatch::certmanager {

// True for the shapes an ACME rate limit takes in a message:
//   - the RFC 8555 error type "urn:ietf:params:acme:error:rateLimited" (or "rateLimited");
//   - HTTP status 429 as a number of its own ("429 urn:...", "unexpected status 429"), not
//     inside a longer number ("order 14290");
//   - Let's Encrypt's wording without either: "too many certificates ...", "too many new
//     orders ...", "too many failed authorizations ...", "too many registrations ...",
//     "too many new registrations ...", "too many pending authorizations ...", and HTTP's
//     "Too Many Requests" (any case).
bool IsRateLimitedMessage(std::string_view message);

// The "retry after 2026-11-28 10:00:00 UTC" time in a Let's Encrypt rate-limit message.
std::optional<UnixSeconds> RetryAfterInMessage(std::string_view message);

}  // namespace certwatch::certmanager
