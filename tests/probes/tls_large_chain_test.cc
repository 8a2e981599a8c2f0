// A server whose certificate chain is over OpenSSL's 100 KiB max_cert_list (found by the probe
// fault soak with a chain of padded intermediates): the probe ends at once with a reason and
// an error that name the cause, never a hang; a chain just under the limit still verifies.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "probes/tls.h"
#include "tests/probes/tls_server_support.h"

namespace certwatch {
namespace {

using testing::CertFiles;
using testing::SServer;
using testing::TempDir;

constexpr char kLargeChainHost[] = "127.0.0.1";
constexpr char kName[] = "large.example.test";

// A self-signed certificate padded by an nsComment to about `bytes` (DER).
CertFiles PaddedCert(const TempDir& dir, const std::string& name, size_t bytes) {
  CertFiles f{dir.File(name + ".crt"), dir.File(name + ".key")};
  EXPECT_EQ(testing::RunCommand({"openssl",
                                 "req",
                                 "-x509",
                                 "-newkey",
                                 "ec",
                                 "-pkeyopt",
                                 "ec_paramgen_curve:P-256",
                                 "-nodes",
                                 "-keyout",
                                 f.key,
                                 "-out",
                                 f.cert,
                                 "-days",
                                 "3",
                                 "-subj",
                                 std::string("/CN=") + kName,
                                 "-addext",
                                 std::string("subjectAltName=DNS:") + kName,
                                 "-addext",
                                 "nsComment=" + std::string(bytes, 'p')}),
            0);
  return f;
}

TlsProbeReport ProbeOnce(int port, const CertFiles& trust) {
  TlsProbeOptions o;
  o.host = kLargeChainHost;
  o.port = static_cast<uint16_t>(port);
  o.server_name = kName;
  o.ca_file = trust.cert;
  o.timeout = std::chrono::seconds(5);
  return ProbeTlsOnce(o);
}

TEST(TlsLargeChain, OverTheLimitFailsFastWithTheCause) {
  TempDir dir;
  CertFiles huge = PaddedCert(dir, "huge", 110 * 1024);
  int port = testing::FreePort(kLargeChainHost);
  SServer server(kLargeChainHost, port, huge);
  ASSERT_TRUE(server.ready());
  TlsProbeReport r = ProbeOnce(port, huge);
  EXPECT_FALSE(r.result.success);
  // Not "timeout": the client refuses the message as soon as its length is read.
  EXPECT_EQ(r.result.verify_reason, VerifyReason::kHandshakeFailed);
  EXPECT_EQ(r.phase, "handshake");
  EXPECT_NE(r.result.error.find("excessive message size"), std::string::npos) << r.result.error;
  EXPECT_NE(r.result.error.find("certificate chain"), std::string::npos) << r.result.error;
}

TEST(TlsLargeChain, UnderTheLimitVerifies) {
  TempDir dir;
  CertFiles big = PaddedCert(dir, "big", 90 * 1024);
  int port = testing::FreePort(kLargeChainHost);
  SServer server(kLargeChainHost, port, big);
  ASSERT_TRUE(server.ready());
  TlsProbeReport r = ProbeOnce(port, big);
  EXPECT_TRUE(r.result.success) << r.result.error;
  EXPECT_EQ(r.result.verify_reason, VerifyReason::kOk) << r.verify_detail;
}

}  // namespace
}  // namespace certwatch
