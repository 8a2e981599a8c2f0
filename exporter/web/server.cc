#include "exporter/web/server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "common/base64.h"
#include "common/handles.h"

namespace certwatch {

struct WebServer::Impl {
  Impl(WebServerOptions o, WebContext c) : options(std::move(o)), context(std::move(c)) {}
  WebServerOptions options;
  WebContext context;
  std::unique_ptr<httplib::Server> server;
  std::thread thread;
  int port = 0;
  std::mutex auth_mu;
  std::set<std::string> auth_ok;  // SHA-256 of user, password and hash that matched
};

namespace {

struct ListenAddress {
  std::string host;
  int port = 0;
};

// "host:port", "[v6]:port", ":port" (all interfaces). The config loader has checked the
// config file's value; this also guards --web.listen-address.
Result<ListenAddress> ParseListenAddress(const std::string& s) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos) return Error{"\"" + s + "\": missing port (want host:port)"};
  ListenAddress a;
  a.host = s.substr(0, colon);
  if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']') {
    a.host = a.host.substr(1, a.host.size() - 2);
  }
  std::string port = s.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
    return Error{"\"" + s + "\": bad port \"" + port + "\""};
  }
  a.port = std::stoi(port);
  if (a.host.empty()) a.host = "0.0.0.0";
  return a;
}

Result<int> ProtoVersion(const std::string& name) {
  if (name.empty()) return 0;  // OpenSSL: no bound
  if (name == "TLS10") return TLS1_VERSION;
  if (name == "TLS11") return TLS1_1_VERSION;
  if (name == "TLS12") return TLS1_2_VERSION;
  if (name == "TLS13") return TLS1_3_VERSION;
  return Error{"unknown TLS version \"" + name + "\" (want TLS10, TLS11, TLS12 or TLS13)"};
}

// Accepts any client certificate (RequestClientCert, RequireAnyClientCert): the chain is not
// checked, only its presence is, as Go's crypto/tls does for these modes.
int AcceptAnyCertificate(int /*preverify_ok*/, X509_STORE_CTX* /*ctx*/) { return 1; }

Result<std::unique_ptr<httplib::Server>> MakeTlsServer(const WebTlsOptions& tls) {
  const std::string& mode = tls.client_auth_type.empty() ? "NoClientCert" : tls.client_auth_type;
  bool verify = mode == "VerifyClientCertIfGiven" || mode == "RequireAndVerifyClientCert";
  if (verify && tls.client_ca_file.empty()) {
    return Error{"client_auth_type " + mode + " needs client_ca_file"};
  }
  auto server = std::make_unique<httplib::SSLServer>(tls.cert_file.c_str(), tls.key_file.c_str(),
                                                     verify ? tls.client_ca_file.c_str() : nullptr);
  if (!server->is_valid()) {
    return Error{"cannot load TLS certificate " + tls.cert_file + " / key " + tls.key_file +
                 (verify ? " / client CA " + tls.client_ca_file : std::string())};
  }
  SSL_CTX* ctx = server->ssl_context();
  if (mode == "NoClientCert") {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  } else if (mode == "RequestClientCert") {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, &AcceptAnyCertificate);
  } else if (mode == "RequireAnyClientCert") {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       &AcceptAnyCertificate);
  } else if (mode == "VerifyClientCertIfGiven") {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  } else if (mode == "RequireAndVerifyClientCert") {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  } else {
    return Error{"unknown client_auth_type \"" + mode + "\""};
  }
  auto min = ProtoVersion(tls.min_version);
  if (!min) return min.error();
  auto max = ProtoVersion(tls.max_version);
  if (!max) return max.error();
  if (SSL_CTX_set_min_proto_version(ctx, *min) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, *max) != 1) {
    return Error{"cannot set TLS versions " + tls.min_version + ".." + tls.max_version};
  }
  return std::unique_ptr<httplib::Server>(std::move(server));
}

// A bcrypt hash of a random password: unknown users are checked against it, so that they
// take as long as known ones.
constexpr char kDummyHash[] = "$2b$10$E3JGB8gXTIjWddZOP22sC.y/59VccKWfIqF.32QgVPQy2IHTilWBq";

std::string Sha256(const std::string& a, const std::string& b, const std::string& c) {
  std::string in = a + '\0' + b + '\0' + c;
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(in.data()), in.size(), md);
  OPENSSL_cleanse(in.data(), in.size());
  return std::string(reinterpret_cast<char*>(md), sizeof md);
}

bool Authorized(WebServer::Impl& impl, const httplib::Request& req) {
  const WebServerOptions& options = impl.options;
  if (options.basic_auth_users.empty()) return true;
  const std::string& header = req.get_header_value("Authorization");
  constexpr std::string_view kBasic = "Basic ";
  if (header.size() <= kBasic.size() || header.compare(0, kBasic.size(), kBasic) != 0) {
    return false;
  }
  auto decoded = Base64Decode(std::string_view(header).substr(kBasic.size()));
  if (!decoded) return false;
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return false;
  std::string user = decoded->substr(0, colon);
  std::string password = decoded->substr(colon + 1);
  OPENSSL_cleanse(decoded->data(), decoded->size());
  auto it = options.basic_auth_users.find(user);
  if (it == options.basic_auth_users.end()) {
    (void)options.check_password(password, kDummyHash);
    return false;
  }
  std::string key = Sha256(user, password, it->second);
  {
    std::lock_guard lock(impl.auth_mu);
    if (impl.auth_ok.count(key)) return true;
  }
  if (!options.check_password(password, it->second)) return false;
  std::lock_guard lock(impl.auth_mu);
  if (impl.auth_ok.size() > 1000) impl.auth_ok.clear();  // bounded
  impl.auth_ok.insert(key);
  return true;
}

// exporter-toolkit's client_allowed_sans: one of the verified client certificate's SANs must
// be in the list.
bool ClientSanAllowed(const std::vector<std::string>& allowed, const httplib::Request& req) {
  if (allowed.empty()) return true;
  if (req.ssl == nullptr) return false;
  X509Ptr cert(SSL_get1_peer_certificate(req.ssl));
  if (!cert) return false;
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return false;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
    std::string value;
    if (n->type == GEN_DNS || n->type == GEN_EMAIL || n->type == GEN_URI) {
      const ASN1_IA5STRING* s = n->d.ia5;
      value.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                   static_cast<size_t>(ASN1_STRING_length(s)));
    } else if (n->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = n->d.iPAddress;
      char buf[64] = {};
      int family = ASN1_STRING_length(ip) == 4 ? AF_INET : AF_INET6;
      if (inet_ntop(family, ASN1_STRING_get0_data(ip), buf, sizeof buf)) value = buf;
    }
    for (const auto& a : allowed) {
      if (!value.empty() && a == value) return true;
    }
  }
  return false;
}

// Sends bytes [offset, offset + length) of a stream that is written from its start, in
// writes of up to 256 KiB: an exposition comes as thousands of small segments, and one
// socket write each would cost a system call per segment.
class RangeSink {
 public:
  RangeSink(httplib::DataSink& sink, size_t offset, size_t length)
      : sink_(sink), skip_(offset), left_(length) {
    buffer_.reserve(kBuffer);
  }
  bool operator()(std::string_view piece) {
    if (skip_ >= piece.size()) {
      skip_ -= piece.size();
      return true;
    }
    piece.remove_prefix(skip_);
    skip_ = 0;
    if (piece.size() > left_) piece = piece.substr(0, left_);
    left_ -= piece.size();
    if (buffer_.size() + piece.size() > kBuffer && !Flush()) return false;
    if (piece.size() >= kBuffer) {
      ok_ = sink_.write(piece.data(), piece.size());
      if (!ok_) return false;
    } else {
      buffer_.append(piece);
    }
    if (left_ > 0) return true;
    Flush();
    return false;  // the range is sent: the writer may stop
  }
  // Sends what is buffered; false once the client went away.
  bool Flush() {
    if (!buffer_.empty() && ok_) ok_ = sink_.write(buffer_.data(), buffer_.size());
    buffer_.clear();
    return ok_;
  }

 private:
  static constexpr size_t kBuffer = 256 * 1024;
  httplib::DataSink& sink_;
  size_t skip_, left_;
  std::string buffer_;
  bool ok_ = true;
};

void Write(HttpResponse&& r, httplib::Response& res) {
  res.status = r.status;
  for (const auto& [k, v] : r.headers) res.set_header(k, v);
  if (r.exposition) {
    // Streamed from the shared, compressed exposition: no response holds the body whole,
    // and no lock is held while a slow client reads. A sized provider is sent as is
    // (httplib compresses only `body` responses), with its Content-Length.
    std::shared_ptr<const Exposition> exposition = std::move(r.exposition);
    const bool gzip = r.gzip;
    const uint64_t size = gzip ? exposition->gzip_size() : exposition->text_size();
    res.set_content_provider(
        size, r.content_type,
        [exposition, gzip](size_t offset, size_t length, httplib::DataSink& sink) {
          RangeSink range(sink, offset, length);
          if (gzip) {
            exposition->WriteGzip(std::ref(range));
          } else {
            (void)exposition->WriteText(std::ref(range));  // stops when the range is sent
          }
          return range.Flush();
        });
    return;
  }
  if (r.body.empty()) {
    res.set_content("", r.content_type);
    return;
  }
  auto body = std::make_shared<const std::string>(std::move(r.body));
  res.set_content_provider(body->size(), r.content_type,
                           [body](size_t offset, size_t length, httplib::DataSink& sink) {
                             return sink.write(body->data() + offset, length);
                           });
}

constexpr size_t kWorkerThreads = 64;

}  // namespace

WebServer::WebServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebServer::~WebServer() { Stop(); }

int WebServer::port() const { return impl_->port; }

void WebServer::Stop() {
  if (!impl_ || !impl_->server) return;
  impl_->server->stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

Result<std::unique_ptr<WebServer>> WebServer::Start(const WebServerOptions& options,
                                                    WebContext context) {
  auto addr = ParseListenAddress(options.listen_address);
  if (!addr) return addr.error().Wrap("web.listen-address");
  if (!options.basic_auth_users.empty() && !options.check_password) {
    return Error{"basic auth configured without a password checker"};
  }
  auto impl = std::make_unique<Impl>(options, std::move(context));
  if (options.tls) {
    auto server = MakeTlsServer(*options.tls);
    if (!server) return server.error().Wrap("web config tls_server_config");
    impl->server = std::move(*server);
  } else {
    impl->server = std::make_unique<httplib::Server>();
  }
  // Worker threads; a connection waits for a free one and keeps it while kept alive.
  // Concurrent scrapes share one collection (exporter/scrape_coalescer.h) and cost a waiting
  // thread each, so there are enough for many scrapers at once: with httplib's default of 8,
  // the ninth of 50 scrapers queued behind kept-alive connections for a minute (bench/load.sh).
  // httplib takes ownership of the queue (a unique_ptr in listen), hence the release().
  impl->server->new_task_queue = [] {
    return std::make_unique<httplib::ThreadPool>(kWorkerThreads).release();
  };
  Impl* self = impl.get();
  impl->server->set_pre_routing_handler(
      [self](const httplib::Request& req, httplib::Response& res) {
        if (self->options.tls && !ClientSanAllowed(self->options.tls->client_allowed_sans, req)) {
          res.status = 403;
          res.set_content("client certificate not allowed\n", "text/plain; charset=utf-8");
          return httplib::Server::HandlerResponse::Handled;
        }
        if (!Authorized(*self, req)) {
          res.status = 401;
          res.set_header("WWW-Authenticate", "Basic realm=\"certwatch\"");
          res.set_content("Unauthorized\n", "text/plain; charset=utf-8");
          return httplib::Server::HandlerResponse::Handled;
        }
        HttpRequest r{req.method,
                      req.path,
                      req.get_header_value("Accept-Encoding"),
                      req.get_header_value("Accept"),
                      {req.params.begin(), req.params.end()}};
        HttpResponse out;
        try {
          out = Route(self->context, r);
        } catch (const std::exception& e) {
          self->context.logger.Error("request failed", {{"path", req.path}, {"err", e.what()}});
          out = HttpResponse{500, "text/plain; charset=utf-8", "internal error\n", {}, nullptr};
        }
        Write(std::move(out), res);
        self->context.logger.Debug("request", {{"method", req.method},
                                               {"path", req.path},
                                               {"status", std::to_string(out.status)},
                                               {"content_type", out.content_type}});
        return httplib::Server::HandlerResponse::Handled;
      });
  if (!impl->server->bind_to_port(addr->host, addr->port)) {
    return Error{"cannot listen on " + options.listen_address};
  }
  impl->port = addr->port;
  impl->thread = std::thread([self] { self->server->listen_after_bind(); });
  return std::make_unique<WebServer>(std::move(impl));
}

}  // namespace certwatch
