// `certwatch probe dns NAME --type T --resolver R ...`: asks every resolver once, in parallel
// on the DNS prober's client, and prints a table of resolver x answer with the resolvers that
// disagree with the majority marked (or JSON with -o json). Exit 1 when a resolver fails or
// the resolvers disagree (or --expect is missing somewhere), 2 on usage errors. Without
// --resolver, the nameservers of /etc/resolv.conf are asked.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "cmd/commands.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/log.h"
#include "probes/dns.h"
#include "probes/dns_checks.h"
#include "probes/event_loop.h"

namespace certwatch {
namespace {

struct ProbeDnsArgs {
  std::string name;
  std::string type = "A";
  std::vector<std::string> resolvers;
  std::string timeout = "5s";
  std::string output = "text";
  std::string expect;
  std::string resolv_conf = "/etc/resolv.conf";
  bool authoritative = false;
  int authoritative_port = 53;
};

// The exporter's DNS question check, once: the resolvers in the order given, then (with
// --authoritative) the name's authoritative servers, found through NS lookups on the first
// resolver.
std::vector<DnsProbeResult> Ask(const ProbeDnsArgs& args, const std::vector<std::string>& resolvers,
                                DnsType type, std::chrono::milliseconds timeout) {
  EventLoop loop;
  std::optional<std::vector<DnsProbeResult>> results;
  {
    DnsClientOptions opts;
    opts.timeout = timeout;
    DnsClient client(loop, opts);
    auto lookup = std::make_shared<DnsLookup>(client, resolvers, args.authoritative_port);
    const auto now = static_cast<UnixSeconds>(SystemClock().NowSeconds());
    // The NS climb compares names as DNS does.
    const std::string name = args.authoritative ? NormalizeDnsName(args.name) : args.name;
    CheckQuestion(*lookup, name, {type}, args.authoritative, now,
                  [&results](std::vector<DnsProbeResult> r) { results = std::move(r); });
    // An NS climb, the servers' addresses, then the question: a few sequential queries.
    const auto budget = args.authoritative ? timeout * 8 : timeout;
    loop.RunUntil([&] { return results.has_value(); }, budget + std::chrono::seconds(2));
  }
  if (results) return std::move(*results);
  std::vector<DnsProbeResult> out;  // defensive: every query's own deadline should have answered
  for (const auto& r : resolvers) {
    DnsProbeResult p;
    p.resolver = p.address = r;
    p.name = args.name;
    p.type = DnsTypeName(type);
    p.rcode = "TIMEOUT";
    p.error = "no answer";
    out.push_back(std::move(p));
  }
  return out;
}

// The resolver column: the address beside an authoritative server's name.
std::string ResolverLabel(const DnsProbeResult& r) {
  return r.resolver == r.address || r.address.empty() ? r.resolver
                                                      : r.resolver + " (" + r.address + ")";
}

std::vector<std::string> SystemResolvers(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string key, value;
    if (ls >> key >> value && key == "nameserver") out.push_back(value);
  }
  return out;
}

// The answer set as one comparable string; rcode included, so NXDOMAIN disagrees with data.
std::string Opinion(const DnsProbeResult& r) {
  std::string s = r.rcode;
  for (const auto& a : r.answers) s += "\n" + a;
  return s;
}

// Failures (timeouts, SERVFAIL, ...) are reported, not counted as a different answer.
bool Answered(const DnsProbeResult& r) { return IsDataRcode(r.rcode); }

std::string Show(const std::string& answer, DnsType type) {
  if (type != DnsType::kTxt) return answer;
  nlohmann::json j = answer;  // quoted and escaped like the JSON output
  return j.dump();
}

std::string Ms(double seconds) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(1) << seconds * 1000 << "ms";
  return o.str();
}

struct Verdict {
  std::string majority;  // most common opinion among resolvers that answered
  size_t opinions = 0;
  bool consistent = true;
  bool all_ok = true;
  bool expect_ok = true;
};

Verdict Judge(const std::vector<DnsProbeResult>& results, const std::string& expect) {
  Verdict v;
  std::map<std::string, int> counts;
  std::vector<std::string> order;
  for (const auto& r : results) {
    if (!r.success) v.all_ok = false;
    if (!expect.empty() &&
        std::find(r.answers.begin(), r.answers.end(), expect) == r.answers.end()) {
      v.expect_ok = false;
    }
    if (!Answered(r)) continue;
    if (counts[Opinion(r)]++ == 0) order.push_back(Opinion(r));
  }
  int best = 0;
  for (const auto& o : order) {
    if (counts[o] > best) {
      best = counts[o];
      v.majority = o;
    }
  }
  v.opinions = counts.size();
  v.consistent = counts.size() <= 1;
  return v;
}

void PrintText(const ProbeDnsArgs& args, DnsType type, const std::vector<DnsProbeResult>& results,
               const Verdict& v) {
  bool color = isatty(STDOUT_FILENO) != 0;
  const char* red = color ? "\033[1;31m" : "";
  const char* reset = color ? "\033[0m" : "";
  std::cout << args.name << " " << DnsTypeName(type) << " on " << results.size() << " resolver"
            << (results.size() == 1 ? "" : "s") << "\n\n";
  size_t wr = 8, wc = 5;
  for (const auto& r : results) {
    wr = std::max(wr, ResolverLabel(r).size());
    wc = std::max(wc, r.rcode.size());
  }
  auto row = [&](const std::string& mark, const std::string& res, const std::string& rcode,
                 const std::string& time, const std::string& ttl, const std::string& answer) {
    std::cout << std::left << std::setw(2) << mark << std::setw(static_cast<int>(wr) + 2) << res
              << std::setw(static_cast<int>(wc) + 2) << rcode << std::setw(10) << time
              << std::setw(8) << ttl << answer << "\n";
  };
  row("", "RESOLVER", "RCODE", "TIME", "TTL", "ANSWERS");
  for (const auto& r : results) {
    bool differs = !r.success || (Answered(r) && !v.consistent && Opinion(r) != v.majority);
    std::vector<std::string> lines;
    if (!r.success && !r.error.empty() && r.error != "rcode " + r.rcode) {
      lines.push_back("(" + r.error + ")");
    }
    for (const auto& a : r.answers) lines.push_back(Show(a, type));
    if (lines.empty()) lines.push_back(r.success ? "(no records)" : "");
    if (differs) std::cout << red;
    row(differs ? "!" : "", ResolverLabel(r), r.rcode, Ms(r.duration_seconds),
        r.success ? std::to_string(r.min_ttl) : "-", lines[0]);
    for (size_t i = 1; i < lines.size(); ++i) row("", "", "", "", "", lines[i]);
    if (differs) std::cout << reset;
  }
  std::cout << "\n";
  size_t failed = static_cast<size_t>(
      std::count_if(results.begin(), results.end(), [](const auto& r) { return !r.success; }));
  if (failed > 0) {
    std::cout << red << failed << " of " << results.size() << " resolvers failed" << reset << "\n";
  }
  if (!v.consistent) {
    std::cout << red << "resolvers disagree: " << v.opinions << " different answers" << reset
              << " (marked ! differ from the majority)\n";
  } else if (failed == 0) {
    std::cout << "all resolvers agree\n";
  }
  if (!args.expect.empty()) {
    std::cout << (v.expect_ok ? "" : red) << "expected " << Show(args.expect, type)
              << (v.expect_ok ? " on every resolver" : " missing on some resolvers")
              << (v.expect_ok ? "" : reset) << "\n";
  }
}

void PrintJson(const ProbeDnsArgs& args, DnsType type, const std::vector<DnsProbeResult>& results,
               const Verdict& v) {
  nlohmann::json out = {{"name", args.name},          {"type", DnsTypeName(type)},
                        {"consistent", v.consistent}, {"all_succeeded", v.all_ok},
                        {"answer_sets", v.opinions},  {"results", nlohmann::json::array()}};
  if (!args.expect.empty()) {
    out["expect"] = args.expect;
    out["expect_found_everywhere"] = v.expect_ok;
  }
  for (const auto& r : results) {
    out["results"].push_back({{"resolver", ResolverLabel(r)},
                              {"success", r.success},
                              {"rcode", r.rcode},
                              {"error", r.error},
                              {"duration_seconds", r.duration_seconds},
                              {"min_ttl", r.min_ttl},
                              {"answer_count", r.answer_count},
                              {"answers", r.answers},
                              {"agrees", Answered(r) && Opinion(r) == v.majority}});
  }
  std::cout << out.dump(2) << "\n";
}

}  // namespace

void AddProbeDnsCommand(CLI::App& probe, int& exit_code) {
  auto args = std::make_shared<ProbeDnsArgs>();
  auto* cmd = probe.add_subcommand("dns", "Ask several resolvers one question and compare");
  cmd->add_option("name", args->name, "Name to look up")->required();
  cmd->add_option("-t,--type", args->type, "A, AAAA, CAA, TXT, NS, CNAME (default A)");
  cmd->add_option("-r,--resolver", args->resolvers,
                  "Resolver IP[:PORT]; repeat for several (default: /etc/resolv.conf)");
  cmd->add_option("--timeout", args->timeout, "Deadline per query (Prometheus duration)");
  cmd->add_option("--expect", args->expect,
                  "A value every resolver must return (e.g. an ACME DNS-01 key)");
  cmd->add_flag("--authoritative", args->authoritative,
                "Also ask the name's authoritative servers (NS lookup on the first resolver)");
  cmd->add_option("--authoritative-port", args->authoritative_port,
                  "Port asked on authoritative servers")
      ->check(CLI::Range(1, 65535));
  cmd->add_option("-o,--output", args->output, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->callback([args, &exit_code] {
    auto type = ParseDnsType(args->type);
    if (!type) {
      std::cerr << "--type: " << type.error().message << "\n";
      exit_code = 2;
      return;
    }
    auto timeout = ParseDuration(args->timeout);
    if (!timeout || timeout->count() <= 0) {
      std::cerr << "--timeout: " << (timeout ? "must be positive" : timeout.error().message)
                << "\n";
      exit_code = 2;
      return;
    }
    std::vector<std::string> resolvers = args->resolvers;
    if (resolvers.empty()) resolvers = SystemResolvers(args->resolv_conf);
    if (resolvers.empty()) {
      std::cerr << "no --resolver given and no nameserver in " << args->resolv_conf << "\n";
      exit_code = 2;
      return;
    }
    for (const auto& r : resolvers) {
      auto ok = ResolverToAresServer(r);
      if (!ok) {
        std::cerr << "--resolver: " << ok.error().message << "\n";
        exit_code = 2;
        return;
      }
    }
    auto results = Ask(*args, resolvers, *type, *timeout);
    Verdict v = Judge(results, args->expect);
    if (args->output == "json") {
      PrintJson(*args, *type, results, v);
    } else {
      PrintText(*args, *type, results, v);
    }
    exit_code = (v.all_ok && v.consistent && v.expect_ok && !results.empty()) ? 0 : 1;
  });
}

}  // namespace certwatch
