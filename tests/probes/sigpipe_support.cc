// The probes write to sockets with write(2) (OpenSSL's socket BIO); a server that closes
// first would end the test binary with SIGPIPE. certwatch's main() ignores SIGPIPE for every
// command; so does this binary, before any test runs.
#include <csignal>

namespace {

const bool kSigpipeIgnored = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

}  // namespace
