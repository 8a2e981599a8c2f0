#include "renewer/metrics_server.h"

#include <httplib.h>

#include <thread>

#include "config/address.h"
#include "exposition/text_writer.h"

namespace certwatch::renewer {

struct MetricsServer::Impl {
  httplib::Server server;
  std::thread thread;
};

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& listen_address,
                                                            const RenewerMetrics& metrics) {
  auto hp = ParseHostPort(listen_address, {.default_port = 0, .allow_empty_host = true});
  if (!hp) return hp.error().Wrap("renewer.listen_address");
  auto impl = std::make_unique<Impl>();
  // Negotiated as the exporter's /metrics is (exposition/format.h): Prometheus asks for
  // OpenMetrics first.
  impl->server.Get("/metrics", [&metrics](const httplib::Request& req, httplib::Response& res) {
    const ExpositionFormat format = NegotiateFormat(req.get_header_value("Accept"));
    res.set_header("Vary", "Accept");
    res.set_content(metrics.Render(format), std::string(ContentType(format)).c_str());
  });
  impl->server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  // Not ready while the Lease cannot be contested (a missing namespace, missing RBAC): the
  // renewer would run and act on nothing.
  impl->server.Get("/readyz", [&metrics](const httplib::Request&, httplib::Response& res) {
    const std::string error = metrics.LeaseError();
    if (error.empty()) {
      res.set_content("ok\n", "text/plain");
    } else {
      res.status = 503;
      res.set_content("cannot contest the Lease: " + error + "\n", "text/plain");
    }
  });
  std::string host = hp->host.empty() ? "0.0.0.0" : hp->host;
  int port = hp->port;
  if (port == 0) {
    port = impl->server.bind_to_any_port(host.c_str());
    if (port < 0) return Error{"renewer.listen_address " + listen_address + ": cannot bind"};
  } else if (!impl->server.bind_to_port(host.c_str(), port)) {
    return Error{"renewer.listen_address " + listen_address + ": cannot bind"};
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->server.listen_after_bind(); });
  return std::make_unique<MetricsServer>(std::move(impl), port);
}

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl, int port)
    : impl_(std::move(impl)), port_(port) {}

MetricsServer::~MetricsServer() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace certwatch::renewer
