#include "diagnose/render.h"

#include <nlohmann/json.hpp>

namespace certwatch {

namespace {

constexpr const char* kReset = "\033[0m";
constexpr const char* kBold = "\033[1m";

const char* Colour(FindingLevel l) {
  switch (l) {
    case FindingLevel::kOk:
      return "\033[32m";  // green
    case FindingLevel::kInfo:
      return "\033[2m";  // dim
    case FindingLevel::kWarn:
      return "\033[33m";  // yellow
    case FindingLevel::kFail:
      return "\033[31m";  // red
  }
  return "";
}

// Fixed-width tags, so the walk stays aligned and greppable when piped.
const char* Tag(FindingLevel l) {
  switch (l) {
    case FindingLevel::kOk:
      return "[ok]  ";
    case FindingLevel::kInfo:
      return "[info]";
    case FindingLevel::kWarn:
      return "[warn]";
    case FindingLevel::kFail:
      return "[FAIL]";
  }
  return "[info]";
}

}  // namespace

std::string RenderDiagnosisText(const DiagnoseInput&, const Diagnosis& d, bool colour) {
  std::string out;
  std::string section;
  for (const auto& f : d.findings) {
    if (f.section != section) {
      section = f.section;
      if (colour) out += kBold;
      out += section;
      if (colour) out += kReset;
      out += "\n";
    }
    out += "  ";
    if (colour) out += Colour(f.level);
    out += Tag(f.level);
    if (colour) out += kReset;
    out += " " + f.message + "\n";
  }
  out += "\n";
  if (colour) {
    out += kBold;
    out += d.verdict.healthy() ? Colour(FindingLevel::kOk) : Colour(FindingLevel::kFail);
  }
  out += d.verdict.Line();
  if (colour) out += kReset;
  out += "\n";
  return out;
}

std::string RenderDiagnosisJson(const DiagnoseInput& in, const Diagnosis& d, UnixSeconds now) {
  using nlohmann::json;
  json findings = json::array();
  for (const auto& f : d.findings) {
    findings.push_back({{"section", f.section},
                        {"level", std::string(ToString(f.level))},
                        {"message", f.message}});
  }
  const Verdict& v = d.verdict;
  json verdict = {{"healthy", v.healthy()},   {"problem", std::string(ToString(v.problem))},
                  {"stuck_at", v.stuck_at},   {"summary", v.summary},
                  {"next_step", v.next_step}, {"runbook", v.runbook},
                  {"line", v.Line()}};
  json backoff = nullptr;
  if (d.backoff) {
    const certmanager::IssuanceBackoff& b = *d.backoff;
    backoff = {{"last_failure_time", FormatRfc3339(b.last_failure)},
               {"failed_issuance_attempts", b.failed_attempts},
               {"delay_seconds", b.delay_seconds},
               {"next_retry_time", FormatRfc3339(b.next_retry)},
               {"active", b.active}};
  }
  json doc = {{"certificate", {{"namespace", in.ns}, {"name", in.name}}},
              {"now", FormatRfc3339(now)},
              {"findings", std::move(findings)},
              {"backoff", std::move(backoff)},
              {"verdict", std::move(verdict)},
              {"exit_code", d.exit_code()}};
  // Invalid UTF-8 from an API message must not abort the report.
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace certwatch
