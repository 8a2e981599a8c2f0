// DNS wire-format responses, parsed into the few fields the DNS prober exports. Every packet
// is untrusted: parsing is bounds-checked, names go through c-ares' ares_expand_name (which
// rejects compression loops), and a bad packet is an Error, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace certwatch {

// The record types the prober asks for (RFC 1035, 3596, 8659).
enum class DnsType : uint16_t {
  kA = 1,
  kNs = 2,
  kCname = 5,
  kSoa = 6,
  kTxt = 16,
  kAaaa = 28,
  kCaa = 257,
};

// "A", "AAAA", "CAA", "TXT", "NS", "CNAME", "SOA" (case-insensitive) -> type.
Result<DnsType> ParseDnsType(std::string_view s);
std::string DnsTypeName(uint16_t type);
inline std::string DnsTypeName(DnsType type) { return DnsTypeName(static_cast<uint16_t>(type)); }

// "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", ... or "RCODE<n>".
std::string RcodeName(int rcode);

struct DnsRecord {
  std::string name;  // owner, lower case, no trailing dot
  uint16_t type = 0;
  uint32_t ttl = 0;
  // Presentation form: A/AAAA address, NS/CNAME target (lower case, no trailing dot),
  // TXT the concatenated character-strings, CAA `flags tag "value"`, other types hex.
  std::string data;
  // CAA fields, kept apart for evaluation (RFC 8659 section 4.1).
  uint8_t caa_flags = 0;
  std::string caa_tag, caa_value;
};

struct DnsResponse {
  uint16_t id = 0;
  int rcode = 0;
  bool truncated = false;
  bool authoritative = false;
  std::string question_name;
  uint16_t question_type = 0;
  std::vector<DnsRecord> answers;
  std::vector<DnsRecord> authority;
};

// Parses a complete response message (the additional section is skipped).
Result<DnsResponse> ParseDnsResponse(const uint8_t* data, size_t len);

// The answers of `type` owned by the end of the CNAME chain that starts at `name` (a resolver
// puts the chain and the final records in one answer section). Presentation forms, sorted.
std::vector<std::string> AnswersOfType(const DnsResponse& response, std::string_view name,
                                       uint16_t type);
// The same records, whole (CAA evaluation needs their fields).
std::vector<DnsRecord> RecordsOfType(const DnsResponse& response, std::string_view name,
                                     uint16_t type);

// When the answer section holds records but none for `name` (nor for the names its CNAMEs,
// or a DNAME above it, lead to), the owner of the first one; else "". A resolver that answers
// with another name's records has not answered the question asked.
std::string ForeignAnswerOwner(const DnsResponse& response, std::string_view name);

// Lower-cases and strips one trailing dot, so names compare as DNS does.
std::string NormalizeDnsName(std::string_view name);

}  // namespace certwatch
