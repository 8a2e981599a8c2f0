// An in-process fake DNS server for the DNS prober's tests: UDP and TCP on one 127.0.0.1 port,
// its own thread, and a handler that crafts each answer (or drops the query), so tests can
// produce what real servers rarely do on demand: SERVFAIL, TC bits, silence, broken packets.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace certwatch::testing {

using Bytes = std::vector<uint8_t>;

struct FakeQuery {
  uint16_t id = 0;
  std::string name;  // lower case, no trailing dot
  uint16_t type = 0;
  bool rd = false;
  bool tcp = false;
};

// A recursive (RD) question as a client sends it.
inline FakeQuery Question(const std::string& name, uint16_t type, uint16_t id = 0x1234) {
  FakeQuery q;
  q.id = id;
  q.name = name;
  q.type = type;
  q.rd = true;
  return q;
}

// Builds a response to `q` (header, the question, then records).
class ResponseBuilder {
 public:
  explicit ResponseBuilder(const FakeQuery& q);
  ResponseBuilder& Rcode(int rcode);
  ResponseBuilder& Truncated();
  ResponseBuilder& Authoritative();
  ResponseBuilder& Answer(const std::string& name, uint16_t type, uint32_t ttl, const Bytes& rdata);
  ResponseBuilder& Authority(const std::string& name, uint16_t type, uint32_t ttl,
                             const Bytes& rdata);
  Bytes Build() const;

 private:
  FakeQuery q_;
  int rcode_ = 0;
  bool tc_ = false, aa_ = false;
  struct Rr {
    std::string name;
    uint16_t type;
    uint32_t ttl;
    Bytes rdata;
  };
  std::vector<Rr> answers_, authority_;
};

Bytes EncodeName(const std::string& name);
Bytes RdataA(const std::string& ip);
Bytes RdataTxt(const std::vector<std::string>& strings);
Bytes RdataCaa(uint8_t flags, const std::string& tag, const std::string& value);
Bytes RdataName(const std::string& name);  // NS, CNAME

class FakeDnsServer {
 public:
  // Returns the bytes to send back, or nullopt to stay silent.
  using Handler = std::function<std::optional<Bytes>(const FakeQuery&)>;

  explicit FakeDnsServer(Handler handler);
  ~FakeDnsServer();
  FakeDnsServer(const FakeDnsServer&) = delete;
  FakeDnsServer& operator=(const FakeDnsServer&) = delete;

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int udp_queries() const { return udp_queries_.load(); }
  int tcp_queries() const { return tcp_queries_.load(); }
  void SetHandler(Handler h);

 private:
  void Run();
  std::optional<Bytes> Handle(const uint8_t* data, size_t len, bool tcp);

  std::mutex mu_;
  Handler handler_;
  int udp_fd_ = -1, tcp_fd_ = -1, stop_fd_ = -1;
  int port_ = 0;
  std::atomic<int> udp_queries_{0}, tcp_queries_{0};
  std::thread thread_;
};

}  // namespace certwatch::testing
