// STARTTLS: the plaintext exchange that precedes the TLS handshake on SMTP (RFC 3207) and
// PostgreSQL (SSLRequest). A pure state machine over bytes, so the socket driver in tls.cc
// stays protocol-agnostic and the protocols are tested on literal input.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "config/tls_target.h"  // StartTlsProtocol, parsed with the target

namespace certwatch {

class StartTlsSession {
 public:
  enum class State { kNeedInput, kDone, kFailed };

  explicit StartTlsSession(StartTlsProtocol protocol);

  // Bytes to send before reading anything (PostgreSQL speaks first; SMTP waits).
  std::string Begin();
  // Feeds bytes read from the server; `out` receives bytes to send next. Never consumes past
  // the end of the exchange: the server waits for our ClientHello once it has said yes.
  State Feed(std::string_view in, std::string& out);
  State state() const { return state_; }
  const std::string& error() const { return error_; }

 private:
  State FeedSmtp(std::string& out);
  State FeedPostgres();
  State Fail(std::string message);
  // One complete SMTP reply (all lines up to "NNN "); false while incomplete.
  bool TakeSmtpReply(int& code, std::string& text);

  enum class Step { kGreeting, kEhlo, kStartTls, kPgAnswer, kEnd };
  StartTlsProtocol protocol_;
  Step step_ = Step::kGreeting;
  State state_ = State::kNeedInput;
  std::string buffer_;
  std::string error_;
};

}  // namespace certwatch
