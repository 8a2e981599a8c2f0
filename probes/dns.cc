#include "probes/dns.h"

#include <ares.h>
#include <arpa/inet.h>
#include <sys/epoll.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <utility>

namespace certwatch {

// Outside the anonymous namespace: DnsClient::Channel (declared in dns.h, so externally
// linked) holds one, and a member of an internal-linkage type would break that.
struct AresChannelDeleter {
  void operator()(ares_channeldata* c) const { ares_destroy(c); }
};
using AresChannelPtr = std::unique_ptr<ares_channeldata, AresChannelDeleter>;

namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr int kClassIn = 1;  // RFC 1035 class IN

void InitAresOnce() {
  static std::once_flag once;
  std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
}

struct AresQueryBuf {
  void operator()(unsigned char* p) const { ares_free_string(p); }
};

bool ParsePort(const std::string& s, int& port) {
  if (s.empty() || s.size() > 5 || !std::all_of(s.begin(), s.end(), ::isdigit)) return false;
  port = std::stoi(s);
  return port > 0 && port < 65536;
}

// c-ares status -> the rcode label used when no usable answer arrived.
std::string StatusRcode(int status) {
  switch (status) {
    case ARES_ETIMEOUT:
      return "TIMEOUT";
    case ARES_EBADRESP:
      return "MALFORMED";
    case ARES_ECONNREFUSED:
      return "CONNREFUSED";
    default:
      return "ERROR";
  }
}

}  // namespace

Result<std::string> ResolverToAresServer(const std::string& resolver) {
  std::string host = resolver;
  int port = 53;
  if (!resolver.empty() && resolver.front() == '[') {
    auto close = resolver.find(']');
    if (close == std::string::npos) return Error{"resolver " + resolver + ": missing ']'"};
    host = resolver.substr(1, close - 1);
    if (close + 1 < resolver.size()) {
      if (resolver[close + 1] != ':' || !ParsePort(resolver.substr(close + 2), port)) {
        return Error{"resolver " + resolver + ": bad port"};
      }
    }
  } else if (std::count(resolver.begin(), resolver.end(), ':') == 1) {
    auto colon = resolver.find(':');
    host = resolver.substr(0, colon);
    if (!ParsePort(resolver.substr(colon + 1), port)) {
      return Error{"resolver " + resolver + ": bad port"};
    }
  }
  unsigned char buf[sizeof(struct in6_addr)];
  if (inet_pton(AF_INET, host.c_str(), buf) == 1) {
    return host + ":" + std::to_string(port);
  }
  if (inet_pton(AF_INET6, host.c_str(), buf) == 1) {
    return "[" + host + "]:" + std::to_string(port);
  }
  return Error{"resolver " + resolver + ": not an IP address (want IP or IP:PORT)"};
}

// One c-ares channel bound to one server. c-ares tells us through the socket-state callback
// which sockets to watch; we hand readiness back with ares_process_fd and keep one loop timer
// at ares_timeout() so retries and timeouts fire without polling.
class DnsClient::Channel {
 public:
  Channel(EventLoop& loop, const DnsClientOptions& options) : loop_(loop) {
    InitAresOnce();
    ares_options opts{};
    int mask = ARES_OPT_FLAGS | ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
    // NOCHECKRESP: hand SERVFAIL/REFUSED answers to us instead of retrying them away; the
    // rcode is what we export.
    opts.flags = ARES_FLAG_NOCHECKRESP;
    opts.sock_state_cb = &Channel::OnSockState;
    opts.sock_state_cb_data = this;
    int tries = std::max(1, options.tries);
    // c-ares doubles the wait on each retry to one server: t + 2t + 4t ... fits the timeout.
    long total = options.timeout.count();
    long parts = (1L << tries) - 1;
    opts.timeout = static_cast<int>(std::max(50L, total / parts));
    opts.tries = tries;
    ares_channel raw = nullptr;
    status_ = ares_init_options(&raw, &opts, mask);
    channel_.reset(raw);
  }

  ~Channel() {
    if (timer_ != 0) loop_.CancelTimer(timer_);
    channel_.reset();  // closes sockets: OnSockState removes them from the loop
  }

  Status Init(const std::string& server) {
    if (status_ != ARES_SUCCESS) {
      return Error{std::string("c-ares channel: ") + ares_strerror(status_)};
    }
    int st = ares_set_servers_ports_csv(channel_.get(), server.c_str());
    if (st != ARES_SUCCESS) {
      return Error{"c-ares server " + server + ": " + ares_strerror(st)};
    }
    return OkStatus();
  }

  void Send(const unsigned char* qbuf, int qlen, ares_callback cb, void* arg) {
    ares_send(channel_.get(), qbuf, qlen, cb, arg);
    Rearm();
  }

 private:
  static void OnSockState(void* data, ares_socket_t fd, int readable, int writable) {
    auto* self = static_cast<Channel*>(data);
    if (!readable && !writable) {
      self->loop_.RemoveFd(fd);
      return;
    }
    uint32_t events = (readable ? EPOLLIN : 0u) | (writable ? EPOLLOUT : 0u);
    self->loop_.WatchFd(fd, events, [self, fd](uint32_t ev) { self->OnReady(fd, ev); });
  }

  void OnReady(int fd, uint32_t ev) {
    bool read = (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0;
    bool write = (ev & EPOLLOUT) != 0;
    ares_process_fd(channel_.get(), read ? fd : ARES_SOCKET_BAD, write ? fd : ARES_SOCKET_BAD);
    Rearm();
  }

  void OnTimer() {
    timer_ = 0;
    ares_process_fd(channel_.get(), ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    Rearm();
  }

  // Keeps one timer at the channel's next timeout; an earlier deadline replaces it, a later
  // one waits for the current timer to fire and re-arm.
  void Rearm() {
    if (!channel_) return;
    timeval tv{};
    timeval* next = ares_timeout(channel_.get(), nullptr, &tv);
    if (next == nullptr) {
      if (timer_ != 0) {
        loop_.CancelTimer(timer_);
        timer_ = 0;
      }
      return;
    }
    auto when = SteadyClock::now() + std::chrono::seconds(next->tv_sec) +
                std::chrono::microseconds(next->tv_usec);
    if (timer_ != 0) {
      if (when >= timer_at_) return;
      loop_.CancelTimer(timer_);
    }
    timer_at_ = when;
    timer_ = loop_.AddTimer(when, [this] { OnTimer(); });
  }

  EventLoop& loop_;
  AresChannelPtr channel_;
  int status_ = ARES_SUCCESS;
  EventLoop::TimerId timer_ = 0;
  SteadyClock::time_point timer_at_;
};

struct DnsClient::Pending {
  DnsClient* client = nullptr;
  uint64_t id = 0;
  Request req;
  SteadyClock::time_point start;
  EventLoop::TimerId deadline_timer = 0;
  bool finished = false;  // the caller has its result; c-ares may still hold the query
};

DnsClient::DnsClient(EventLoop& loop, DnsClientOptions options) : loop_(loop), options_(options) {
  if (options_.max_concurrency < 1) options_.max_concurrency = 1;
}

DnsClient::~DnsClient() {
  destroying_ = true;
  for (auto& [id, p] : pending_) {
    if (p->deadline_timer != 0) loop_.CancelTimer(p->deadline_timer);
  }
  channels_.clear();  // c-ares reports ARES_EDESTRUCTION for each query still inside
  pending_.clear();
}

void DnsClient::Query(const std::string& resolver, const std::string& name, DnsType type,
                      Callback done, bool recursion_desired) {
  queue_.push_back(Request{resolver, name, type, std::move(done), recursion_desired});
  Pump();
}

void DnsClient::Pump() {
  if (pumping_) return;  // a callback inside Start re-entered; the outer loop continues
  pumping_ = true;
  while (!queue_.empty() && in_flight_ < static_cast<size_t>(options_.max_concurrency)) {
    Request req = std::move(queue_.front());
    queue_.pop_front();
    Start(std::move(req));
  }
  pumping_ = false;
}

DnsClient::Channel* DnsClient::ChannelFor(const std::string& resolver, std::string* error) {
  auto it = channels_.find(resolver);
  if (it != channels_.end()) return it->second.get();
  auto server = ResolverToAresServer(resolver);
  if (!server) {
    *error = server.error().message;
    return nullptr;
  }
  auto ch = std::make_unique<Channel>(loop_, options_);
  auto st = ch->Init(*server);
  if (!st) {
    *error = st.error().message;
    return nullptr;
  }
  return channels_.emplace(resolver, std::move(ch)).first->second.get();
}

void DnsClient::Start(Request req) {
  ++in_flight_;
  auto owned = std::make_unique<Pending>();
  Pending& p = *owned;
  p.client = this;
  p.id = next_pending_++;
  p.req = std::move(req);
  p.start = SteadyClock::now();
  pending_.emplace(p.id, std::move(owned));

  DnsQueryResult fail;
  fail.resolver = p.req.resolver;
  fail.name = p.req.name;
  fail.type = p.req.type;
  fail.rcode = "ERROR";

  std::string error;
  Channel* ch = ChannelFor(p.req.resolver, &error);
  if (ch == nullptr) {
    fail.error = error;
    Finish(p, std::move(fail));
    pending_.erase(p.id);
    return;
  }
  unsigned char* qbuf = nullptr;
  int qlen = 0;
  int st = ares_create_query(p.req.name.c_str(), kClassIn, static_cast<int>(p.req.type), 0,
                             p.req.rd ? 1 : 0, &qbuf, &qlen, options_.edns_udp_size);
  std::unique_ptr<unsigned char, AresQueryBuf> qowned(qbuf);
  if (st != ARES_SUCCESS) {
    fail.error = "query " + p.req.name + ": " + ares_strerror(st);
    Finish(p, std::move(fail));
    pending_.erase(p.id);
    return;
  }
  // The hard deadline: whatever c-ares is still retrying, the caller hears back by then.
  uint64_t id = p.id;
  p.deadline_timer = loop_.AddTimer(options_.timeout + std::chrono::milliseconds(20), [this, id] {
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    it->second->deadline_timer = 0;
    DnsQueryResult r;
    r.resolver = it->second->req.resolver;
    r.name = it->second->req.name;
    r.type = it->second->req.type;
    r.rcode = "TIMEOUT";
    r.error = "no answer within " + std::to_string(options_.timeout.count()) + "ms";
    Finish(*it->second, std::move(r));
  });
  ++queries_sent_;
  ch->Send(qbuf, qlen, &DnsClient::OnAresDone, &p);
}

void DnsClient::Finish(Pending& p, DnsQueryResult result) {
  if (p.finished) return;
  p.finished = true;
  if (p.deadline_timer != 0) {
    loop_.CancelTimer(p.deadline_timer);
    p.deadline_timer = 0;
  }
  result.duration_seconds = std::chrono::duration<double>(SteadyClock::now() - p.start).count();
  --in_flight_;
  Callback done = std::move(p.req.done);
  if (done) done(std::move(result));
  Pump();
}

void DnsClient::OnAresDone(void* arg, int status, int timeouts, unsigned char* abuf, int alen) {
  (void)timeouts;
  auto* p = static_cast<Pending*>(arg);
  DnsClient* self = p->client;
  uint64_t id = p->id;
  if (self->destroying_) return;  // pending_ is about to be cleared; nobody is listening
  if (!p->finished) {
    DnsQueryResult r;
    r.resolver = p->req.resolver;
    r.name = p->req.name;
    r.type = p->req.type;
    if (status == ARES_SUCCESS && abuf != nullptr) {
      auto parsed = ParseDnsResponse(abuf, static_cast<size_t>(alen));
      if (!parsed) {
        r.rcode = "MALFORMED";
        r.error = parsed.error().message;
      } else {
        r.response = std::move(*parsed);
        r.rcode = RcodeName(r.response.rcode);
        r.answer_count = static_cast<int>(r.response.answers.size());
        bool first = true;
        for (const auto& rr : r.response.answers) {
          r.min_ttl = first ? rr.ttl : std::min(r.min_ttl, rr.ttl);
          first = false;
        }
        r.answers = AnswersOfType(r.response, r.name, static_cast<uint16_t>(r.type));
        r.success = r.response.rcode == 0;
        if (!r.success) r.error = "rcode " + r.rcode;
        std::string foreign = r.success ? ForeignAnswerOwner(r.response, r.name) : "";
        if (!foreign.empty()) {
          // A lying or confused resolver: a stub resolver would drop these records too.
          r.success = false;
          r.rcode = "MALFORMED";
          r.error = "answer records are for " + foreign + ", none for " + r.name;
        }
      }
    } else if (status == ARES_EDESTRUCTION) {
      r.rcode = "ERROR";
      r.error = "resolver channel closed";
    } else {
      r.rcode = StatusRcode(status);
      r.error = ares_strerror(status);
    }
    self->Finish(*p, std::move(r));
  }
  self->pending_.erase(id);
}

void DnsClient::Retain(const std::vector<std::string>& keep) {
  std::set<std::string> k(keep.begin(), keep.end());
  // Unlinked first, destroyed after: destruction calls back into Finish, which may queue
  // new queries and so touch channels_.
  std::vector<std::unique_ptr<Channel>> closing;
  for (auto it = channels_.begin(); it != channels_.end();) {
    if (k.count(it->first)) {
      ++it;
    } else {
      closing.push_back(std::move(it->second));
      it = channels_.erase(it);
    }
  }
  closing.clear();
}

}  // namespace certwatch
