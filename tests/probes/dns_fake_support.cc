#include "tests/probes/dns_fake_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace certwatch::testing {
namespace {

void Put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v & 0xff));
}

void Put32(Bytes& b, uint32_t v) {
  Put16(b, static_cast<uint16_t>(v >> 16));
  Put16(b, static_cast<uint16_t>(v & 0xffff));
}

// Reads an uncompressed question name (queries never compress).
bool ReadQuestion(const uint8_t* d, size_t len, FakeQuery& q) {
  if (len < 12) return false;
  q.id = static_cast<uint16_t>((d[0] << 8) | d[1]);
  q.rd = (d[2] & 0x01) != 0;
  size_t pos = 12;
  std::string name;
  while (pos < len && d[pos] != 0) {
    size_t n = d[pos];
    if (n > 63 || pos + 1 + n > len) return false;
    if (!name.empty()) name += '.';
    for (size_t i = 0; i < n; ++i) {
      name += static_cast<char>(std::tolower(d[pos + 1 + i]));
    }
    pos += 1 + n;
  }
  if (pos + 5 > len) return false;
  q.name = name;
  q.type = static_cast<uint16_t>((d[pos + 1] << 8) | d[pos + 2]);
  return true;
}

bool ReadFull(int fd, uint8_t* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

}  // namespace

Bytes EncodeName(const std::string& name) {
  Bytes out;
  size_t start = 0;
  while (start < name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    out.push_back(static_cast<uint8_t>(dot - start));
    out.insert(out.end(), name.begin() + static_cast<long>(start),
               name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  out.push_back(0);
  return out;
}

Bytes RdataA(const std::string& ip) {
  Bytes b(4);
  inet_pton(AF_INET, ip.c_str(), b.data());
  return b;
}

Bytes RdataTxt(const std::vector<std::string>& strings) {
  Bytes b;
  for (const auto& s : strings) {
    b.push_back(static_cast<uint8_t>(s.size()));
    b.insert(b.end(), s.begin(), s.end());
  }
  return b;
}

Bytes RdataCaa(uint8_t flags, const std::string& tag, const std::string& value) {
  Bytes b{flags, static_cast<uint8_t>(tag.size())};
  b.insert(b.end(), tag.begin(), tag.end());
  b.insert(b.end(), value.begin(), value.end());
  return b;
}

Bytes RdataName(const std::string& name) { return EncodeName(name); }

ResponseBuilder::ResponseBuilder(const FakeQuery& q) : q_(q) {}
ResponseBuilder& ResponseBuilder::Rcode(int rcode) {
  rcode_ = rcode;
  return *this;
}
ResponseBuilder& ResponseBuilder::Truncated() {
  tc_ = true;
  return *this;
}
ResponseBuilder& ResponseBuilder::Authoritative() {
  aa_ = true;
  return *this;
}
ResponseBuilder& ResponseBuilder::Answer(const std::string& name, uint16_t type, uint32_t ttl,
                                         const Bytes& rdata) {
  answers_.push_back({name, type, ttl, rdata});
  return *this;
}
ResponseBuilder& ResponseBuilder::Authority(const std::string& name, uint16_t type, uint32_t ttl,
                                            const Bytes& rdata) {
  authority_.push_back({name, type, ttl, rdata});
  return *this;
}

Bytes ResponseBuilder::Build() const {
  Bytes b;
  Put16(b, q_.id);
  uint16_t flags = 0x8000 | (q_.rd ? 0x0100 : 0) | 0x0080 | (aa_ ? 0x0400 : 0) |
                   (tc_ ? 0x0200 : 0) | static_cast<uint16_t>(rcode_ & 0xf);
  Put16(b, flags);
  Put16(b, 1);
  Put16(b, static_cast<uint16_t>(answers_.size()));
  Put16(b, static_cast<uint16_t>(authority_.size()));
  Put16(b, 0);
  Bytes qn = EncodeName(q_.name);
  b.insert(b.end(), qn.begin(), qn.end());
  Put16(b, q_.type);
  Put16(b, 1);
  for (const auto* section : {&answers_, &authority_}) {
    for (const auto& rr : *section) {
      Bytes n = EncodeName(rr.name);
      b.insert(b.end(), n.begin(), n.end());
      Put16(b, rr.type);
      Put16(b, 1);
      Put32(b, rr.ttl);
      Put16(b, static_cast<uint16_t>(rr.rdata.size()));
      b.insert(b.end(), rr.rdata.begin(), rr.rdata.end());
    }
  }
  return b;
}

FakeDnsServer::FakeDnsServer(Handler handler) : handler_(std::move(handler)) {
  for (int attempt = 0; attempt < 50 && port_ == 0; ++attempt) {
    udp_fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(udp_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      throw std::runtime_error("fake dns: bind udp");
    }
    socklen_t alen = sizeof a;
    getsockname(udp_fd_, reinterpret_cast<sockaddr*>(&a), &alen);
    tcp_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(tcp_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(tcp_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && listen(tcp_fd_, 16) == 0) {
      port_ = ntohs(a.sin_port);
    } else {
      close(udp_fd_);
      close(tcp_fd_);
    }
  }
  if (port_ == 0) throw std::runtime_error("fake dns: no port free for UDP and TCP");
  stop_fd_ = eventfd(0, EFD_CLOEXEC);
  thread_ = std::thread([this] { Run(); });
}

FakeDnsServer::~FakeDnsServer() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(stop_fd_, &one, sizeof one);
  thread_.join();
  close(udp_fd_);
  close(tcp_fd_);
  close(stop_fd_);
}

void FakeDnsServer::SetHandler(Handler h) {
  std::lock_guard<std::mutex> lock(mu_);
  handler_ = std::move(h);
}

std::optional<Bytes> FakeDnsServer::Handle(const uint8_t* data, size_t len, bool tcp) {
  FakeQuery q;
  if (!ReadQuestion(data, len, q)) return std::nullopt;
  q.tcp = tcp;
  Handler h;
  {
    std::lock_guard<std::mutex> lock(mu_);
    h = handler_;
  }
  return h ? h(q) : std::nullopt;
}

void FakeDnsServer::Run() {
  while (true) {
    pollfd fds[3] = {{stop_fd_, POLLIN, 0}, {udp_fd_, POLLIN, 0}, {tcp_fd_, POLLIN, 0}};
    if (poll(fds, 3, 1000) < 0) continue;
    if (fds[0].revents) return;
    if (fds[1].revents & POLLIN) {
      uint8_t buf[4096];
      sockaddr_in from{};
      socklen_t flen = sizeof from;
      ssize_t n = recvfrom(udp_fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &flen);
      if (n > 0) {
        ++udp_queries_;
        auto out = Handle(buf, static_cast<size_t>(n), false);
        if (out) {
          sendto(udp_fd_, out->data(), out->size(), 0, reinterpret_cast<sockaddr*>(&from), flen);
        }
      }
    }
    if (fds[2].revents & POLLIN) {
      // One query per connection is all c-ares sends in these tests; served inline.
      int c = accept4(tcp_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) {
        timeval tv{2, 0};
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        uint8_t lenbuf[2];
        while (ReadFull(c, lenbuf, 2)) {
          size_t qlen = static_cast<size_t>((lenbuf[0] << 8) | lenbuf[1]);
          Bytes q(qlen);
          if (!ReadFull(c, q.data(), qlen)) break;
          ++tcp_queries_;
          auto out = Handle(q.data(), qlen, true);
          if (!out) break;
          uint8_t hdr[2] = {static_cast<uint8_t>(out->size() >> 8),
                            static_cast<uint8_t>(out->size() & 0xff)};
          if (write(c, hdr, 2) != 2) break;
          if (write(c, out->data(), out->size()) != static_cast<ssize_t>(out->size())) break;
          break;  // close after one answer; c-ares reconnects if it needs more
        }
        close(c);
      }
    }
  }
}

}  // namespace certwatch::testing
