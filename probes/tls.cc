#include "probes/tls.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>
#include <unordered_set>

#include "common/handles.h"
#include "common/x509.h"
#include "probes/tls_context.h"
#include "probes/tls_ocsp.h"
#include "probes/tls_verify.h"

namespace certwatch {
namespace {

using Steady = std::chrono::steady_clock;

double Seconds(Steady::duration d) { return std::chrono::duration<double>(d).count(); }

bool ParseIpLiteral(const std::string& host, uint16_t port, sockaddr_storage& out, socklen_t& len) {
  std::memset(&out, 0, sizeof out);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

std::string FormatPeer(const sockaddr_storage& sa) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (sa.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&sa);
    inet_ntop(AF_INET, &v4->sin_addr, buf, sizeof buf);
    return std::string(buf) + ":" + std::to_string(ntohs(v4->sin_port));
  }
  const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&sa);
  inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof buf);
  return "[" + std::string(buf) + "]:" + std::to_string(ntohs(v6->sin6_port));
}

// "TLSv1.3" -> "TLS 1.3", the spelling of blackbox_exporter's probe_tls_version_info.
std::string VersionLabel(const char* v) {
  std::string s = v ? v : "";
  if (s.rfind("TLSv", 0) == 0) return "TLS " + s.substr(4);
  return s;
}

std::optional<UnixSeconds> NotAfterOf(X509* x) { return Asn1TimeToUnix(X509_get0_notAfter(x)); }

bool IsIp(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace

int OpenSslVersion(TlsVersion v) {
  switch (v) {
    case TlsVersion::kDefault:
      return 0;
    case TlsVersion::kTls1_0:
      return TLS1_VERSION;
    case TlsVersion::kTls1_1:
      return TLS1_1_VERSION;
    case TlsVersion::kTls1_2:
      return TLS1_2_VERSION;
    case TlsVersion::kTls1_3:
      return TLS1_3_VERSION;
  }
  return 0;
}

// Lets an asynchronous name lookup, finished on a glibc helper thread, find its way back to
// the loop; cut when the prober goes away so a late answer is dropped.
struct ResolverLink {
  std::mutex mu;
  EventLoop* loop = nullptr;
  TlsProber::Impl* impl = nullptr;
};

struct ResolveOutcome {
  bool ok = false;
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string error;
};

class TlsProber::Impl {
 public:
  explicit Impl(EventLoop& loop) : loop_(loop), link_(std::make_shared<ResolverLink>()) {
    link_->loop = &loop;
    link_->impl = this;
  }
  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(link_->mu);
      link_->loop = nullptr;
      link_->impl = nullptr;
    }
    CancelAll();
  }

  void Probe(const TlsProbeOptions& options, Done done);
  void CancelAll() {
    auto conns = std::move(conns_);
    conns_.clear();
    for (auto& [id, c] : conns) Cleanup(*c, false);
    for (EventLoop::TimerId t : pending_done_) loop_.CancelTimer(t);
    pending_done_.clear();
  }
  size_t in_flight() const { return conns_.size(); }
  void OnResolved(uint64_t id, const ResolveOutcome& r);

 private:
  enum class Phase { kResolve, kConnect, kStartTls, kHandshake, kPostHandshake };
  struct Conn {
    uint64_t id = 0;
    TlsProbeOptions opt;
    Done done;
    TlsProbeReport report;
    std::string sni;  // what is sent as SNI and checked against the leaf
    Phase phase = Phase::kResolve;
    int fd = -1;
    uint32_t watching = 0;
    SSL_CTX* ctx = nullptr;
    SslPtr ssl;
    StartTlsSession starttls{StartTlsProtocol::kNone};
    std::string out;  // STARTTLS bytes not yet written
    Steady::time_point start, connected;
    EventLoop::TimerId deadline_timer = 0, connect_timer = 0, grace_timer = 0;
    bool cert_requested = false;
    bool ticket_seen = false;
  };

  static int OnCertRequest(SSL* ssl, void*);
  static int OnNewSession(SSL* ssl, SSL_SESSION*);

  Conn* Find(uint64_t id) {
    auto it = conns_.find(id);
    return it == conns_.end() ? nullptr : it->second.get();
  }
  void StartResolve(Conn& c);
  void Connect(Conn& c, const sockaddr_storage& addr, socklen_t len);
  void OnEvent(uint64_t id, uint32_t events);
  void OnConnected(Conn& c);
  void DriveStartTls(Conn& c, uint32_t events);
  void StartHandshake(Conn& c);
  void DriveHandshake(Conn& c);
  void DrivePostHandshake(Conn& c);
  void Watch(Conn& c, uint32_t events);
  void Collect(Conn& c);
  void Fail(Conn& c, VerifyReason reason, std::string error);
  void Succeed(Conn& c);
  void Finish(Conn& c);
  void Cleanup(Conn& c, bool graceful);
  // The DER of `issuer`, shared with every earlier result naming the same certificate.
  std::shared_ptr<const std::string> InternIssuer(X509* issuer);

  EventLoop& loop_;
  // Issuer certificates of live results, by SHA-256 (a fleet has few issuers; each is kept
  // once however many targets it signs for).
  std::map<std::string, std::weak_ptr<const std::string>> issuers_;
  size_t issuers_pruned_at_ = 64;
  TlsContextCache contexts_;
  std::shared_ptr<ResolverLink> link_;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Conn>> conns_;
  std::unordered_set<EventLoop::TimerId> pending_done_;  // finished, callback not yet run

  friend struct ResolveRequest;
};

// One getaddrinfo_a request; owned by glibc between submission and its notify callback.
struct ResolveRequest {
  std::string host, port;
  addrinfo hints{};
  gaicb cb{};
  std::shared_ptr<ResolverLink> link;
  uint64_t id = 0;

  static void Notify(sigval v) {
    std::unique_ptr<ResolveRequest> req(static_cast<ResolveRequest*>(v.sival_ptr));
    ResolveOutcome r;
    int rc = gai_error(&req->cb);
    if (rc == 0 && req->cb.ar_result) {
      const addrinfo* ai = req->cb.ar_result;
      std::memcpy(&r.addr, ai->ai_addr, ai->ai_addrlen);
      r.len = ai->ai_addrlen;
      r.ok = true;
    } else {
      r.error = gai_strerror(rc);
    }
    if (req->cb.ar_result) freeaddrinfo(req->cb.ar_result);
    std::lock_guard<std::mutex> lock(req->link->mu);
    if (!req->link->loop) return;
    auto link = req->link;
    uint64_t id = req->id;
    req->link->loop->Post([link, id, r] {
      std::lock_guard<std::mutex> relock(link->mu);
      if (link->impl) link->impl->OnResolved(id, r);
    });
  }
};

int TlsProber::Impl::OnCertRequest(SSL* ssl, void*) {
  if (auto* c = static_cast<Conn*>(SSL_get_ex_data(ssl, TlsConnExIndex()))) {
    c->cert_requested = true;
  }
  return 1;
}

int TlsProber::Impl::OnNewSession(SSL* ssl, SSL_SESSION*) {
  if (auto* c = static_cast<Conn*>(SSL_get_ex_data(ssl, TlsConnExIndex()))) c->ticket_seen = true;
  return 0;  // not kept: every probe is a full handshake
}

void TlsProber::Impl::Probe(const TlsProbeOptions& options, Done done) {
  auto owned = std::make_unique<Conn>();
  Conn& c = *owned;
  c.id = next_id_++;
  c.opt = options;
  c.done = std::move(done);
  c.sni = options.server_name.empty() ? options.host : options.server_name;
  c.report.result.target = options.host.find(':') != std::string::npos
                               ? "[" + options.host + "]:" + std::to_string(options.port)
                               : options.host + ":" + std::to_string(options.port);
  c.report.result.server_name = c.sni;
  c.report.phase = "resolve";
  c.starttls = StartTlsSession(options.starttls);
  conns_.emplace(c.id, std::move(owned));

  auto ctx = contexts_.Get(options);
  if (!ctx) {
    Fail(c, VerifyReason::kConfigError, ctx.error().message);
    return;
  }
  c.ctx = *ctx;
  if (!options.client_cert_file.empty()) {
    c.report.result.client_cert_file = options.client_cert_file;
    // The certificate the context loaded is the one presented, whatever the file holds now.
    if (X509* own = SSL_CTX_get0_certificate(c.ctx)) {
      c.report.result.client_cert_not_after = NotAfterOf(own);
    }
  }
  // Timing starts after the (cached) context: building the first one loads trust stores.
  c.start = Steady::now();
  uint64_t id = c.id;
  c.deadline_timer = loop_.AddTimer(options.timeout, [this, id] {
    if (Conn* cc = Find(id)) {
      cc->deadline_timer = 0;
      Fail(*cc, VerifyReason::kTimeout,
           "timed out after " + std::to_string(cc->opt.timeout.count()) + "ms during " +
               cc->report.phase);
    }
  });
  sockaddr_storage addr;
  socklen_t len = 0;
  if (ParseIpLiteral(options.host, options.port, addr, len)) {
    Connect(c, addr, len);
  } else {
    StartResolve(c);
  }
}

void TlsProber::Impl::StartResolve(Conn& c) {
  auto req = std::make_unique<ResolveRequest>();
  req->host = c.opt.host;
  req->port = std::to_string(c.opt.port);
  req->hints.ai_socktype = SOCK_STREAM;
  req->hints.ai_family = AF_UNSPEC;
  req->cb.ar_name = req->host.c_str();
  req->cb.ar_service = req->port.c_str();
  req->cb.ar_request = &req->hints;
  req->link = link_;
  req->id = c.id;
  sigevent sev{};
  sev.sigev_notify = SIGEV_THREAD;
  sev.sigev_notify_function = &ResolveRequest::Notify;
  sev.sigev_value.sival_ptr = req.get();
  gaicb* list[1] = {&req->cb};
  int rc = getaddrinfo_a(GAI_NOWAIT, list, 1, &sev);
  if (rc != 0) {
    Fail(c, VerifyReason::kResolveFailed, "resolve " + c.opt.host + ": " + gai_strerror(rc));
    return;
  }
  req.release();  // glibc hands it back to Notify, which owns it again
}

void TlsProber::Impl::OnResolved(uint64_t id, const ResolveOutcome& r) {
  Conn* c = Find(id);
  if (!c) return;
  if (!r.ok) {
    Fail(*c, VerifyReason::kResolveFailed, "resolve " + c->opt.host + ": " + r.error);
    return;
  }
  sockaddr_storage addr = r.addr;
  if (addr.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&addr)->sin_port = htons(c->opt.port);
  } else if (addr.ss_family == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port = htons(c->opt.port);
  }
  Connect(*c, addr, r.len);
}

void TlsProber::Impl::Connect(Conn& c, const sockaddr_storage& addr, socklen_t len) {
  c.phase = Phase::kConnect;
  c.report.phase = "connect";
  c.report.peer = FormatPeer(addr);
  c.fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c.fd < 0) {
    Fail(c, VerifyReason::kConnectFailed, std::string("socket: ") + std::strerror(errno));
    return;
  }
  int one = 1;
  setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int rc = connect(c.fd, reinterpret_cast<const sockaddr*>(&addr), len);
  if (rc != 0 && errno != EINPROGRESS) {
    Fail(c, VerifyReason::kConnectFailed, "connect " + c.report.peer + ": " + std::strerror(errno));
    return;
  }
  uint64_t id = c.id;
  if (!loop_.WatchFd(c.fd, EPOLLOUT, [this, id](uint32_t ev) { OnEvent(id, ev); })) {
    Fail(c, VerifyReason::kConnectFailed, std::string("epoll: ") + std::strerror(errno));
    return;
  }
  c.watching = EPOLLOUT;
  if (c.opt.connect_timeout < c.opt.timeout) {
    c.connect_timer = loop_.AddTimer(c.opt.connect_timeout, [this, id] {
      if (Conn* cc = Find(id)) {
        cc->connect_timer = 0;
        Fail(*cc, VerifyReason::kTimeout,
             "connect " + cc->report.peer + ": timed out after " +
                 std::to_string(cc->opt.connect_timeout.count()) + "ms");
      }
    });
  }
}

void TlsProber::Impl::Watch(Conn& c, uint32_t events) {
  if (c.watching == events) return;
  loop_.ModifyFd(c.fd, events);
  c.watching = events;
}

void TlsProber::Impl::OnEvent(uint64_t id, uint32_t events) {
  Conn* c = Find(id);
  if (!c) return;
  switch (c->phase) {
    case Phase::kConnect: {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        Fail(*c, VerifyReason::kConnectFailed,
             "connect " + c->report.peer + ": " + std::strerror(err));
        return;
      }
      if (!(events & EPOLLOUT)) return;
      OnConnected(*c);
      return;
    }
    case Phase::kStartTls:
      DriveStartTls(*c, events);
      return;
    case Phase::kHandshake:
      DriveHandshake(*c);
      return;
    case Phase::kPostHandshake:
      DrivePostHandshake(*c);
      return;
    case Phase::kResolve:
      return;
  }
}

void TlsProber::Impl::OnConnected(Conn& c) {
  c.connected = Steady::now();
  c.report.connect_seconds = Seconds(c.connected - c.start);
  if (c.connect_timer) {
    loop_.CancelTimer(c.connect_timer);
    c.connect_timer = 0;
  }
  if (c.opt.starttls == StartTlsProtocol::kNone) {
    StartHandshake(c);
    return;
  }
  c.phase = Phase::kStartTls;
  c.report.phase = "starttls";
  c.out = c.starttls.Begin();
  DriveStartTls(c, c.out.empty() ? 0u : static_cast<uint32_t>(EPOLLOUT));
}

void TlsProber::Impl::DriveStartTls(Conn& c, uint32_t events) {
  if (!c.out.empty()) {
    ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      Fail(c, VerifyReason::kStartTlsFailed,
           std::string("starttls: write: ") + std::strerror(errno));
      return;
    }
    if (n > 0) c.out.erase(0, static_cast<size_t>(n));
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
    char buf[4096];
    ssize_t n = recv(c.fd, buf, sizeof buf, 0);
    if (n == 0) {
      Fail(c, VerifyReason::kStartTlsFailed, "starttls: connection closed by the server");
      return;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      Fail(c, VerifyReason::kStartTlsFailed,
           std::string("starttls: read: ") + std::strerror(errno));
      return;
    }
    if (n > 0) {
      auto state = c.starttls.Feed(std::string_view(buf, static_cast<size_t>(n)), c.out);
      if (state == StartTlsSession::State::kFailed) {
        Fail(c, VerifyReason::kStartTlsFailed,
             "starttls " + std::string(ToString(c.opt.starttls)) + ": " + c.starttls.error());
        return;
      }
      if (state == StartTlsSession::State::kDone && c.out.empty()) {
        StartHandshake(c);
        return;
      }
      if (!c.out.empty()) {
        DriveStartTls(c, 0);
        return;
      }
    }
  }
  Watch(c, c.out.empty() ? EPOLLIN : (EPOLLIN | EPOLLOUT));
}

void TlsProber::Impl::StartHandshake(Conn& c) {
  c.phase = Phase::kHandshake;
  c.report.phase = "handshake";
  SSL_CTX_set_cert_cb(c.ctx, &Impl::OnCertRequest, nullptr);
  SSL_CTX_sess_set_new_cb(c.ctx, &Impl::OnNewSession);
  ERR_clear_error();
  c.ssl.reset(SSL_new(c.ctx));
  if (!c.ssl || SSL_set_fd(c.ssl.get(), c.fd) != 1) {
    Fail(c, VerifyReason::kHandshakeFailed, "SSL_new: " + DrainOpenSslErrors());
    return;
  }
  SSL_set_ex_data(c.ssl.get(), TlsConnExIndex(), &c);
  // SNI must be a host name (RFC 6066); an IP is only checked against the certificate.
  if (!c.sni.empty() && !IsIp(c.sni)) SSL_set_tlsext_host_name(c.ssl.get(), c.sni.c_str());
  SSL_set_tlsext_status_type(c.ssl.get(), TLSEXT_STATUSTYPE_ocsp);
  SSL_set_connect_state(c.ssl.get());
  DriveHandshake(c);
}

void TlsProber::Impl::DriveHandshake(Conn& c) {
  ERR_clear_error();
  int rc = SSL_do_handshake(c.ssl.get());
  if (rc == 1) {
    c.report.handshake_seconds = Seconds(Steady::now() - c.connected);
    Collect(c);
    // In TLS 1.3 the server judges our client certificate after our side has finished; its
    // refusal arrives as an alert after the handshake, so wait for that verdict (or a session
    // ticket, which means yes) when a certificate was asked for.
    if (c.cert_requested && SSL_version(c.ssl.get()) >= TLS1_3_VERSION) {
      c.phase = Phase::kPostHandshake;
      c.report.phase = "post-handshake";
      uint64_t id = c.id;
      // Bounded so that the verdict wait never turns a finished handshake into a timeout.
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(c.opt.timeout -
                                                                        (Steady::now() - c.start));
      auto grace =
          std::clamp(left / 2, std::chrono::milliseconds(0), std::chrono::milliseconds(1000));
      c.grace_timer = loop_.AddTimer(grace, [this, id] {
        if (Conn* cc = Find(id)) {
          cc->grace_timer = 0;
          Succeed(*cc);
        }
      });
      DrivePostHandshake(c);
      return;
    }
    Succeed(c);
    return;
  }
  int err = SSL_get_error(c.ssl.get(), rc);
  if (err == SSL_ERROR_WANT_READ) {
    Watch(c, EPOLLIN);
    return;
  }
  if (err == SSL_ERROR_WANT_WRITE) {
    Watch(c, EPOLLOUT);
    return;
  }
  int saved_errno = errno;
  std::string detail = DrainOpenSslErrors();
  if (detail.empty()) {
    if (err == SSL_ERROR_SYSCALL && saved_errno != 0) {
      detail = std::strerror(saved_errno);
    } else {
      detail = "connection closed by the server during the handshake";
    }
  }
  if (detail.find("unexpected eof") != std::string::npos) {
    detail = "connection closed by the server during the handshake (" + detail + ")";
  }
  if (detail.find("excessive message size") != std::string::npos) {
    // OpenSSL's max_cert_list: what a server sends that no TLS client would take either.
    detail +=
        " (a handshake message, usually the certificate chain, is over the 100 KiB "
        "that OpenSSL clients accept)";
  }
  if (c.cert_requested && c.opt.client_cert_file.empty()) {
    detail += " (the server asked for a client certificate and none is configured)";
  }
  c.report.handshake_seconds = Seconds(Steady::now() - c.connected);
  Collect(c);
  Fail(c, VerifyReason::kHandshakeFailed, "handshake: " + detail);
}

void TlsProber::Impl::DrivePostHandshake(Conn& c) {
  char buf[512];
  ERR_clear_error();
  int rc = SSL_read(c.ssl.get(), buf, sizeof buf);
  if (rc > 0) {
    Succeed(c);
    return;
  }
  int err = SSL_get_error(c.ssl.get(), rc);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    if (c.ticket_seen) {
      Succeed(c);
      return;
    }
    Watch(c, err == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT);
    return;
  }
  std::string detail = DrainOpenSslErrors();
  if (detail.empty()) detail = "connection closed";
  Fail(c, VerifyReason::kHandshakeFailed,
       "handshake: server refused the client certificate: " + detail);
}

void TlsProber::Impl::Collect(Conn& c) {
  SSL* ssl = c.ssl.get();
  TlsProbeReport& r = c.report;
  r.served_chain.clear();
  r.verified_chain.clear();
  X509* leaf = SSL_get0_peer_certificate(ssl);
  STACK_OF(X509)* served = SSL_get_peer_cert_chain(ssl);  // client side: leaf included
  X509* top = leaf;
  std::optional<UnixSeconds> earliest;
  // Weakness covers what the server sends: the leaf and its intermediates, whose signatures
  // every client checks. A self-signed root in the chain counts for its key only (its own
  // signature is never checked), and a root the client adds from its store is not judged.
  r.result.weak = 0;
  if (served) {
    for (int i = 0; i < sk_X509_num(served); ++i) {
      X509* x = sk_X509_value(served, i);
      top = x;
      std::optional<UnixSeconds> not_after;
      if (c.opt.chain_details) {
        auto f = FactsFromX509(x);
        if (f) {
          not_after = f->not_after;
          r.result.weak |= f->weak;
          r.served_chain.push_back(std::move(f.value()));
        }
      } else {
        not_after = NotAfterOf(x);
        r.result.weak |= WeaknessOf(x);
      }
      if (not_after && (!earliest || *not_after < *earliest)) earliest = not_after;
    }
    r.result.chain_length = sk_X509_num(served);
  }
  if (c.opt.chain_details) {
    if (STACK_OF(X509)* verified = SSL_get0_verified_chain(ssl)) {
      for (int i = 0; i < sk_X509_num(verified); ++i) {
        auto f = FactsFromX509(sk_X509_value(verified, i));
        if (f) r.verified_chain.push_back(std::move(f.value()));
      }
    }
  }
  if (leaf) {
    auto f = FactsFromX509(leaf);
    if (f) {
      r.result.weak |= f->weak;
      r.result.leaf = std::move(f.value());
    }
  }
  r.result.chain_earliest_not_after = earliest;
  if (SSL_is_init_finished(ssl)) {
    r.result.tls_version = VersionLabel(SSL_get_version(ssl));
    if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl)) {
      const char* name = SSL_CIPHER_standard_name(cipher);
      r.result.cipher = name ? name : SSL_CIPHER_get_name(cipher);
    }
  }
  if (!leaf) {
    r.result.verified = false;
    r.result.verify_reason = VerifyReason::kNoCertificate;
    return;
  }
  r.hostname_ok = HostnameMatches(leaf, c.sni);
  long verr = SSL_get_verify_result(ssl);
  if (verr != X509_V_OK) {
    r.verify_detail = X509_verify_cert_error_string(verr);
    r.result.verify_reason = VerifyReasonOf(verr, ShapeOf(top));
  } else if (!r.hostname_ok) {
    r.verify_detail = "certificate does not match " + c.sni;
    r.result.verify_reason = VerifyReason::kHostnameMismatch;
  } else {
    r.result.verify_reason = VerifyReason::kOk;
  }
  r.result.verified = r.result.verify_reason == VerifyReason::kOk;

  // The issuer comes from the served chain (or the verified one); it may be absent. It is
  // matched to stapled OCSP responses and kept to verify its CRLs.
  X509* issuer = nullptr;
  if (served) {
    for (int i = 0; i < sk_X509_num(served) && !issuer; ++i) {
      X509* cand = sk_X509_value(served, i);
      if (cand != leaf && X509_check_issued(cand, leaf) == X509_V_OK) issuer = cand;
    }
  }
  if (!issuer) {
    STACK_OF(X509)* verified = SSL_get0_verified_chain(ssl);
    if (verified && sk_X509_num(verified) > 1) {
      X509* cand = sk_X509_value(verified, 1);
      if (X509_check_issued(cand, leaf) == X509_V_OK) issuer = cand;
    }
  }
  // The key a CRL of the issuer is verified with must be the one that signed the leaf: the
  // verified chain's when verification passed, else a served issuer that checks out.
  STACK_OF(X509)* verified_chain = SSL_get0_verified_chain(ssl);
  if (verr == X509_V_OK && verified_chain && sk_X509_num(verified_chain) > 1) {
    r.result.issuer_der = InternIssuer(sk_X509_value(verified_chain, 1));
  } else if (issuer) {
    EVP_PKEY* key = X509_get0_pubkey(issuer);
    if (key && X509_verify(leaf, key) == 1) r.result.issuer_der = InternIssuer(issuer);
  }

  const unsigned char* ocsp = nullptr;
  long ocsp_len = SSL_get_tlsext_status_ocsp_resp(ssl, &ocsp);
  if (ocsp && ocsp_len > 0) {
    StapledOcsp st = ParseStapledOcsp(ocsp, ocsp_len, leaf, issuer);
    r.result.ocsp_status = st.status;
    r.ocsp_this_update = st.this_update;
    r.ocsp_next_update = st.next_update;
    r.ocsp_error = st.error;
    if (st.status == "revoked") {
      r.result.verify_reason = VerifyReason::kRevoked;
      r.result.verified = false;
    }
  }
  ERR_clear_error();
}

std::shared_ptr<const std::string> TlsProber::Impl::InternIssuer(X509* issuer) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (X509_digest(issuer, EVP_sha256(), md, &md_len) != 1) return nullptr;
  std::string key(reinterpret_cast<const char*>(md), md_len);
  auto& slot = issuers_[key];
  if (auto held = slot.lock()) return held;
  unsigned char* der = nullptr;
  int len = i2d_X509(issuer, &der);
  if (len <= 0) {
    ERR_clear_error();
    issuers_.erase(key);
    return nullptr;
  }
  OpenSslBytes owner(der);
  auto out = std::make_shared<const std::string>(reinterpret_cast<const char*>(der),
                                                 static_cast<size_t>(len));
  slot = out;
  if (issuers_.size() >= 2 * issuers_pruned_at_) {
    std::erase_if(issuers_, [](const auto& kv) { return kv.second.expired(); });
    issuers_pruned_at_ = std::max<size_t>(64, issuers_.size());
  }
  return out;
}

void TlsProber::Impl::Fail(Conn& c, VerifyReason reason, std::string error) {
  c.report.result.success = false;
  c.report.result.verified = false;
  // A failed handshake keeps what it saw of the certificate, but the verdict is the failure.
  c.report.result.verify_reason = reason;
  c.report.result.error = std::move(error);
  Finish(c);
}

void TlsProber::Impl::Succeed(Conn& c) {
  c.report.result.success = true;
  c.report.phase = "done";
  Finish(c);
}

void TlsProber::Impl::Cleanup(Conn& c, bool graceful) {
  if (c.deadline_timer) loop_.CancelTimer(c.deadline_timer);
  if (c.connect_timer) loop_.CancelTimer(c.connect_timer);
  if (c.grace_timer) loop_.CancelTimer(c.grace_timer);
  c.deadline_timer = c.connect_timer = c.grace_timer = 0;
  if (c.ssl) {
    SSL_set_ex_data(c.ssl.get(), TlsConnExIndex(), nullptr);
    // One close_notify, never waited for: the peer's answer is of no interest.
    if (graceful) {
      SSL_set_quiet_shutdown(c.ssl.get(), 0);
      ERR_clear_error();
      SSL_shutdown(c.ssl.get());
      ERR_clear_error();
    }
    c.ssl.reset();
  }
  if (c.fd >= 0) {
    loop_.RemoveFd(c.fd);
    close(c.fd);
    c.fd = -1;
  }
}

void TlsProber::Impl::Finish(Conn& c) {
  c.report.result.duration_seconds = Seconds(Steady::now() - c.start);
  Cleanup(c, c.report.result.success);
  auto it = conns_.find(c.id);
  if (it == conns_.end()) return;
  std::unique_ptr<Conn> owned = std::move(it->second);
  conns_.erase(it);
  // Deferred so that `done` never runs inside Probe() and may start the next probe freely.
  auto done = std::move(owned->done);
  auto report = std::make_shared<TlsProbeReport>(std::move(owned->report));
  auto timer = std::make_shared<EventLoop::TimerId>(0);
  *timer =
      loop_.AddTimer(Steady::time_point{}, [this, timer, done = std::move(done), report]() mutable {
        pending_done_.erase(*timer);
        if (done) done(std::move(*report));
      });
  pending_done_.insert(*timer);
}

TlsProber::TlsProber(EventLoop& loop) : impl_(std::make_unique<Impl>(loop)) {}
TlsProber::~TlsProber() = default;
void TlsProber::Probe(const TlsProbeOptions& options, Done done) {
  impl_->Probe(options, std::move(done));
}
void TlsProber::CancelAll() { impl_->CancelAll(); }
size_t TlsProber::in_flight() const { return impl_->in_flight(); }

TlsProbeReport ProbeTlsOnce(const TlsProbeOptions& options) {
  EventLoop loop;
  TlsProbeReport out;
  bool finished = false;
  {
    TlsProber prober(loop);
    prober.Probe(options, [&](TlsProbeReport r) {
      out = std::move(r);
      finished = true;
    });
    loop.RunUntil([&] { return finished; }, options.timeout + std::chrono::seconds(2));
  }
  if (!finished) {
    out.result.success = false;
    out.result.verify_reason = VerifyReason::kTimeout;
    out.result.error = "probe did not finish";
  }
  return out;
}

}  // namespace certwatch
