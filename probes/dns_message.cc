#include "probes/dns_message.h"

#include <ares.h>
#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <set>

#include "common/strings.h"

namespace certwatch {
namespace {

constexpr size_t kHeaderSize = 12;

struct TypeName {
  DnsType type;
  std::string_view name;
};
constexpr std::array<TypeName, 7> kTypes = {{
    {DnsType::kA, "A"},
    {DnsType::kNs, "NS"},
    {DnsType::kCname, "CNAME"},
    {DnsType::kSoa, "SOA"},
    {DnsType::kTxt, "TXT"},
    {DnsType::kAaaa, "AAAA"},
    {DnsType::kCaa, "CAA"},
}};

constexpr std::array<std::string_view, 11> kRcodes = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                                      "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                                      "NXRRSET", "NOTAUTH", "NOTZONE"};

uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint32_t Get32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | p[3];
}

struct AresString {
  void operator()(char* p) const { ares_free_string(p); }
};

// Reads the (possibly compressed) name at `pos`; advances `pos` past its encoding.
Result<std::string> ReadName(const uint8_t* msg, size_t len, size_t& pos) {
  if (pos >= len) return Error{"name past the end of the message"};
  char* raw = nullptr;
  long enclen = 0;
  int st = ares_expand_name(msg + pos, msg, static_cast<int>(len), &raw, &enclen);
  std::unique_ptr<char, AresString> owned(raw);
  if (st != ARES_SUCCESS || enclen <= 0) {
    return Error{std::string("bad name: ") + ares_strerror(st)};
  }
  pos += static_cast<size_t>(enclen);
  return NormalizeDnsName(owned.get());
}

std::string Hex(const uint8_t* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 15]);
  }
  return out;
}

// Escapes what would make a presentation string ambiguous or unprintable.
std::string Printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[5];
      snprintf(buf, sizeof buf, "\\%03u", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

// Decodes one RR's RDATA (at msg[pos, pos+rdlen)) into its presentation form.
Status DecodeRdata(const uint8_t* msg, size_t len, size_t pos, size_t rdlen, DnsRecord& rr) {
  const uint8_t* p = msg + pos;
  switch (static_cast<DnsType>(rr.type)) {
    case DnsType::kA: {
      if (rdlen != 4) return Error{"A record of " + std::to_string(rdlen) + " bytes"};
      char buf[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, p, buf, sizeof buf);
      rr.data = buf;
      return OkStatus();
    }
    case DnsType::kAaaa: {
      if (rdlen != 16) return Error{"AAAA record of " + std::to_string(rdlen) + " bytes"};
      char buf[INET6_ADDRSTRLEN];
      inet_ntop(AF_INET6, p, buf, sizeof buf);
      rr.data = buf;
      return OkStatus();
    }
    case DnsType::kNs:
    case DnsType::kCname: {
      size_t at = pos;
      auto name = ReadName(msg, len, at);
      if (!name) return name.error();
      if (at > pos + rdlen) return Error{"name overruns its record"};
      rr.data = *name;
      return OkStatus();
    }
    case DnsType::kTxt: {
      // One or more <length><bytes> character-strings; ACME keys fit in one, long values are
      // split by publishers, so the strings are joined as RFC 7208 section 3.3 does.
      std::string text;
      size_t i = 0;
      if (rdlen == 0) return Error{"empty TXT record"};
      while (i < rdlen) {
        size_t n = p[i];
        if (i + 1 + n > rdlen) return Error{"TXT string overruns its record"};
        text.append(reinterpret_cast<const char*>(p + i + 1), n);
        i += 1 + n;
      }
      rr.data = std::move(text);
      return OkStatus();
    }
    case DnsType::kCaa: {
      if (rdlen < 2) return Error{"CAA record too short"};
      size_t tag_len = p[1];
      if (tag_len == 0 || 2 + tag_len > rdlen) return Error{"CAA tag overruns its record"};
      rr.caa_flags = p[0];
      rr.caa_tag.assign(reinterpret_cast<const char*>(p + 2), tag_len);
      for (char c : rr.caa_tag) {
        if (!std::isalnum(static_cast<unsigned char>(c))) return Error{"CAA tag not alphanumeric"};
      }
      rr.caa_tag = AsciiLower(rr.caa_tag);
      rr.caa_value.assign(reinterpret_cast<const char*>(p + 2 + tag_len), rdlen - 2 - tag_len);
      rr.data =
          std::to_string(rr.caa_flags) + " " + rr.caa_tag + " \"" + Printable(rr.caa_value) + "\"";
      return OkStatus();
    }
    default:
      rr.data = Hex(p, rdlen);
      return OkStatus();
  }
}

Result<std::vector<DnsRecord>> ReadSection(const uint8_t* msg, size_t len, size_t& pos,
                                           uint16_t count, std::string_view section) {
  std::vector<DnsRecord> out;
  out.reserve(count);
  for (uint16_t i = 0; i < count; ++i) {
    std::string where = std::string(section) + " record " + std::to_string(i + 1);
    auto name = ReadName(msg, len, pos);
    if (!name) return name.error().Wrap(where);
    if (pos + 10 > len) return Error{where + ": header past the end of the message"};
    DnsRecord rr;
    rr.name = std::move(*name);
    rr.type = Get16(msg + pos);
    rr.ttl = Get32(msg + pos + 4);
    // RFC 2181 section 8: a TTL with the top bit set is treated as zero.
    if (rr.ttl > 0x7fffffffu) rr.ttl = 0;
    size_t rdlen = Get16(msg + pos + 8);
    pos += 10;
    if (pos + rdlen > len) return Error{where + ": data past the end of the message"};
    auto st = DecodeRdata(msg, len, pos, rdlen, rr);
    if (!st) return st.error().Wrap(where + " (" + DnsTypeName(rr.type) + ")");
    pos += rdlen;
    out.push_back(std::move(rr));
  }
  return out;
}

}  // namespace

Result<DnsType> ParseDnsType(std::string_view s) {
  for (const auto& t : kTypes) {
    if (EqualsIgnoreCase(t.name, s)) return t.type;
  }
  return Error{"unsupported record type \"" + std::string(s) +
               "\" (want A, AAAA, CAA, TXT, NS, CNAME or SOA)"};
}

std::string DnsTypeName(uint16_t type) {
  for (const auto& t : kTypes) {
    if (static_cast<uint16_t>(t.type) == type) return std::string(t.name);
  }
  return "TYPE" + std::to_string(type);
}

std::string RcodeName(int rcode) {
  if (rcode >= 0 && static_cast<size_t>(rcode) < kRcodes.size()) {
    return std::string(kRcodes[rcode]);
  }
  return "RCODE" + std::to_string(rcode);
}

std::string NormalizeDnsName(std::string_view name) {
  if (name.ends_with('.')) name.remove_suffix(1);
  return AsciiLower(name);
}

Result<DnsResponse> ParseDnsResponse(const uint8_t* data, size_t len) {
  if (data == nullptr || len < kHeaderSize) {
    return Error{"malformed response: " + std::to_string(len) + " bytes, shorter than a header"};
  }
  DnsResponse r;
  r.id = Get16(data);
  uint16_t flags = Get16(data + 2);
  if ((flags & 0x8000) == 0) return Error{"malformed response: QR bit not set"};
  r.authoritative = (flags & 0x0400) != 0;
  r.truncated = (flags & 0x0200) != 0;
  r.rcode = flags & 0x000f;
  uint16_t qd = Get16(data + 4), an = Get16(data + 6), ns = Get16(data + 8);
  size_t pos = kHeaderSize;
  for (uint16_t i = 0; i < qd; ++i) {
    auto name = ReadName(data, len, pos);
    if (!name) return name.error().Wrap("malformed response: question");
    if (pos + 4 > len) return Error{"malformed response: question past the end of the message"};
    if (i == 0) {
      r.question_name = std::move(*name);
      r.question_type = Get16(data + pos);
    }
    pos += 4;
  }
  auto answers = ReadSection(data, len, pos, an, "answer");
  if (!answers) return answers.error().Wrap("malformed response");
  r.answers = std::move(*answers);
  auto authority = ReadSection(data, len, pos, ns, "authority");
  if (!authority) return authority.error().Wrap("malformed response");
  r.authority = std::move(*authority);
  return r;
}

std::vector<DnsRecord> RecordsOfType(const DnsResponse& response, std::string_view name,
                                     uint16_t type) {
  std::set<std::string> owners = {NormalizeDnsName(name)};
  if (type != static_cast<uint16_t>(DnsType::kCname)) {
    // Follow the chain to a fixed point, so out-of-order answers work too; bounded by the
    // number of CNAME records.
    bool grew = true;
    while (grew) {
      grew = false;
      for (const auto& rr : response.answers) {
        if (rr.type == static_cast<uint16_t>(DnsType::kCname) && owners.count(rr.name) &&
            !owners.count(rr.data)) {
          owners.insert(rr.data);
          grew = true;
        }
      }
    }
  }
  std::vector<DnsRecord> out;
  for (const auto& rr : response.answers) {
    if (rr.type == type && owners.count(rr.name)) out.push_back(rr);
  }
  return out;
}

std::string ForeignAnswerOwner(const DnsResponse& response, std::string_view name) {
  if (response.answers.empty()) return "";
  std::set<std::string> owners = {NormalizeDnsName(name)};
  bool grew = true;
  while (grew) {
    grew = false;
    for (const auto& rr : response.answers) {
      if (rr.type == static_cast<uint16_t>(DnsType::kCname) && owners.count(rr.name) &&
          owners.insert(rr.data).second) {
        grew = true;
      }
    }
  }
  constexpr uint16_t kDname = 39;  // RFC 6672: owned by an ancestor of the name it rewrites
  for (const auto& rr : response.answers) {
    if (owners.count(rr.name)) return "";
    if (rr.type == kDname && !rr.name.empty()) {
      for (const auto& o : owners) {
        if (o.size() > rr.name.size() && o.ends_with("." + rr.name)) return "";
      }
    }
  }
  return response.answers.front().name;
}

std::vector<std::string> AnswersOfType(const DnsResponse& response, std::string_view name,
                                       uint16_t type) {
  std::vector<std::string> out;
  for (auto& rr : RecordsOfType(response, name, type)) out.push_back(std::move(rr.data));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace certwatch
