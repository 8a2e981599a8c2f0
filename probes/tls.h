// The TLS prober: non-blocking OpenSSL 3 handshakes driven by the shared EventLoop, so
// thousands of probes run concurrently on one thread. A probe connects, optionally speaks
// STARTTLS, handshakes without letting OpenSSL abort on a bad certificate (SSL_VERIFY_NONE),
// then reads the verification result, checks the hostname itself and reports everything it
// saw, so the served dates are known even for an expired or untrusted certificate.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "common/x509.h"
#include "probes/event_loop.h"
#include "probes/starttls.h"
#include "state/state.h"

namespace certwatch {

struct TlsProbeOptions {
  std::string host;  // connect host: IP literal or DNS name
  uint16_t port = 443;
  std::string server_name;  // SNI and hostname check; "" = none (then host, unless an IP)
  std::string ca_file;      // extra trust roots, added to the system store
  // Trust anchors as PEM held in memory (a webhook's caBundle): they replace the system store
  // and ca_file, and each of them is an anchor even when it is not self-signed (as Go's
  // x509.CertPool in the API server).
  std::string ca_pem{};
  std::string client_cert_file, client_key_file;  // mTLS
  int min_version = 0;  // TLS1_2_VERSION / TLS1_3_VERSION; 0 = OpenSSL's default
  StartTlsProtocol starttls = StartTlsProtocol::kNone;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds timeout{10000};  // whole probe: connect + STARTTLS + handshake
  // Facts of every served and verified certificate for the report; the scheduler needs only
  // the leaf and the chain's earliest expiry, and skips the rest.
  bool chain_details = true;
};

// What one probe saw. `result` holds the fields kept in the state store; the rest feeds the
// one-shot report.
struct TlsProbeReport {
  TlsProbeResult result;
  std::string peer;           // resolved ip:port
  std::string phase;          // where it stopped: resolve, connect, starttls, handshake, done
  std::string verify_detail;  // OpenSSL's text for the chain verification error
  bool hostname_ok = false;
  std::vector<CertFacts> served_chain;    // as sent, leaf first
  std::vector<CertFacts> verified_chain;  // as OpenSSL built it (partial on failure)
  double connect_seconds = 0, handshake_seconds = 0;
  std::optional<UnixSeconds> ocsp_this_update, ocsp_next_update;
  std::string ocsp_error;
};

// OpenSSL's protocol version for SSL_CTX_set_min_proto_version (TLS1_2_VERSION, ...); 0 for
// kDefault.
int OpenSslVersion(TlsVersion v);

// The prober. Not thread-safe: construct, call and destroy it on the loop's thread (or with
// the loop not running, as the one-shot command does).
class TlsProber {
 public:
  using Done = std::function<void(TlsProbeReport)>;

  explicit TlsProber(EventLoop& loop);
  ~TlsProber();
  TlsProber(const TlsProber&) = delete;
  TlsProber& operator=(const TlsProber&) = delete;

  // Starts one probe; `done` runs on the loop thread exactly once (never inside Probe()).
  void Probe(const TlsProbeOptions& options, Done done);
  // Aborts every probe in flight without calling their callbacks.
  void CancelAll();
  size_t in_flight() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Runs one probe to completion on a private loop (the one-shot command).
TlsProbeReport ProbeTlsOnce(const TlsProbeOptions& options);

}  // namespace certwatch
