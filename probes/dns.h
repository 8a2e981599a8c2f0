// The DNS prober: asynchronous queries to chosen resolvers on c-ares, one channel per resolver,
// driven by the shared EventLoop through c-ares' socket-state callback (no select), with UDP
// first and TCP when an answer comes back truncated (c-ares retries on TC by itself), a hard
// per-query deadline, and a bound on queries in flight across all resolvers.
//
// Everything here runs on the loop's thread: construct, query and destroy a DnsClient there.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "probes/dns_message.h"
#include "probes/event_loop.h"

namespace certwatch {

struct DnsClientOptions {
  std::chrono::milliseconds timeout{5000};  // whole query, retries and TCP fallback included
  int tries = 2;                            // UDP attempts within `timeout`
  int max_concurrency = 256;                // queries in flight across all resolvers
  int edns_udp_size = 1232;                 // 0: no EDNS0 (answers over 512 bytes truncate)
};

struct DnsQueryResult {
  std::string resolver;  // as passed to Query (host:port)
  std::string name;
  DnsType type = DnsType::kA;
  // NOERROR within the deadline and a well-formed answer.
  bool success = false;
  // NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ... or TIMEOUT, MALFORMED, CONNREFUSED, ERROR.
  std::string rcode;
  std::string error;  // "" on success
  double duration_seconds = 0;
  DnsResponse response;              // parsed message (empty when none arrived)
  std::vector<std::string> answers;  // records of `type` at the end of the CNAME chain, sorted
  uint32_t min_ttl = 0;              // lowest TTL in the answer section; 0 when empty
  int answer_count = 0;              // answer-section RRs
};

// Whether an rcode says something about the data (NOERROR or NXDOMAIN), as opposed to a
// failure to answer (timeouts, SERVFAIL, REFUSED, malformed packets): agreement across
// resolvers is judged on these only.
inline bool IsDataRcode(std::string_view rcode) {
  return rcode == "NOERROR" || rcode == "NXDOMAIN";
}

// "host:port", "host" (port 53), "[v6]:port" -> c-ares server string; IP literals only,
// because a resolver that needs a resolver to be found cannot be probed independently.
Result<std::string> ResolverToAresServer(const std::string& resolver);

class DnsClient {
 public:
  using Callback = std::function<void(DnsQueryResult)>;

  DnsClient(EventLoop& loop, DnsClientOptions options);
  ~DnsClient();
  DnsClient(const DnsClient&) = delete;
  DnsClient& operator=(const DnsClient&) = delete;

  // Queues one query; `done` runs on the loop thread exactly once (not after destruction).
  // `recursion_desired` is false for questions to authoritative servers.
  void Query(const std::string& resolver, const std::string& name, DnsType type, Callback done,
             bool recursion_desired = true);

  // Closes channels of resolvers not in `keep` (resolvers that left the configuration or an
  // authoritative server set); their queries still in flight finish as errors.
  void Retain(const std::vector<std::string>& keep);

  size_t in_flight() const { return in_flight_; }
  size_t queued() const { return queue_.size(); }
  size_t channels() const { return channels_.size(); }
  uint64_t queries_sent() const { return queries_sent_; }

 private:
  class Channel;
  struct Pending;
  struct Request {
    std::string resolver, name;
    DnsType type;
    Callback done;
    bool rd;
  };

  void Pump();
  void Start(Request req);
  void Finish(Pending& p, DnsQueryResult result);
  Channel* ChannelFor(const std::string& resolver, std::string* error);
  static void OnAresDone(void* arg, int status, int timeouts, unsigned char* abuf, int alen);

  EventLoop& loop_;
  DnsClientOptions options_;
  std::deque<Request> queue_;
  size_t in_flight_ = 0;
  uint64_t queries_sent_ = 0;
  uint64_t next_pending_ = 1;
  // Declared before the channels: destroying a channel makes c-ares call back into these.
  std::unordered_map<uint64_t, std::unique_ptr<Pending>> pending_;
  std::map<std::string, std::unique_ptr<Channel>> channels_;
  bool destroying_ = false;
  bool pumping_ = false;
};

}  // namespace certwatch
