#include "probes/starttls.h"

#include <cctype>

#include "common/strings.h"

namespace certwatch {
namespace {

// Bounds what a misbehaving server can make us buffer before the handshake.
constexpr size_t kMaxReply = 16 * 1024;

// PostgreSQL SSLRequest: length 8, code 80877103 (1234 << 16 | 5679), big-endian.
constexpr char kPgSslRequest[] = {0, 0, 0, 8, 0x04, static_cast<char>(0xd2), 0x16, 0x2f};

}  // namespace

StartTlsSession::StartTlsSession(StartTlsProtocol protocol) : protocol_(protocol) {
  switch (protocol) {
    case StartTlsProtocol::kNone:
      step_ = Step::kEnd;
      state_ = State::kDone;
      break;
    case StartTlsProtocol::kSmtp:
      step_ = Step::kGreeting;
      break;
    case StartTlsProtocol::kPostgres:
      step_ = Step::kPgAnswer;
      break;
  }
}

std::string StartTlsSession::Begin() {
  if (protocol_ == StartTlsProtocol::kPostgres) return std::string(kPgSslRequest, 8);
  return "";
}

StartTlsSession::State StartTlsSession::Fail(std::string message) {
  state_ = State::kFailed;
  error_ = std::move(message);
  return state_;
}

StartTlsSession::State StartTlsSession::Feed(std::string_view in, std::string& out) {
  if (state_ != State::kNeedInput) {
    if (state_ == State::kDone && !in.empty()) {
      return Fail("server sent data before the TLS handshake");
    }
    return state_;
  }
  buffer_.append(in);
  if (buffer_.size() > kMaxReply) return Fail("reply longer than 16 KiB");
  switch (protocol_) {
    case StartTlsProtocol::kSmtp:
      return FeedSmtp(out);
    case StartTlsProtocol::kPostgres:
      return FeedPostgres();
    case StartTlsProtocol::kNone:
      break;
  }
  return state_;
}

bool StartTlsSession::TakeSmtpReply(int& code, std::string& text) {
  size_t pos = 0;
  text.clear();
  while (true) {
    size_t eol = buffer_.find('\n', pos);
    if (eol == std::string::npos) return false;
    std::string_view line(buffer_.data() + pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() < 3 || !std::isdigit(static_cast<unsigned char>(line[0])) ||
        !std::isdigit(static_cast<unsigned char>(line[1])) ||
        !std::isdigit(static_cast<unsigned char>(line[2]))) {
      code = -1;
      text = std::string(line.substr(0, 80));
      buffer_.erase(0, eol + 1);
      return true;
    }
    code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (!text.empty()) text += "\n";
    text += std::string(line.size() > 4 ? line.substr(4) : std::string_view());
    pos = eol + 1;
    if (line.size() == 3 || line[3] == ' ') {
      buffer_.erase(0, pos);
      return true;
    }
    // "NNN-" continues the reply on the next line.
  }
}

StartTlsSession::State StartTlsSession::FeedSmtp(std::string& out) {
  int code = 0;
  std::string text;
  while (state_ == State::kNeedInput && TakeSmtpReply(code, text)) {
    if (code < 0) return Fail("not an SMTP reply: \"" + text + "\"");
    switch (step_) {
      case Step::kGreeting:
        if (code != 220) return Fail("SMTP greeting " + std::to_string(code) + ": " + text);
        out += "EHLO certwatch.invalid\r\n";
        step_ = Step::kEhlo;
        break;
      case Step::kEhlo: {
        if (code != 250) return Fail("SMTP EHLO " + std::to_string(code) + ": " + text);
        if (AsciiLower(text).find("starttls") == std::string::npos) {
          return Fail("SMTP server does not offer STARTTLS");
        }
        out += "STARTTLS\r\n";
        step_ = Step::kStartTls;
        break;
      }
      case Step::kStartTls:
        if (code != 220) return Fail("SMTP STARTTLS " + std::to_string(code) + ": " + text);
        step_ = Step::kEnd;
        state_ = State::kDone;
        if (!buffer_.empty()) return Fail("server sent data before the TLS handshake");
        break;
      default:
        break;
    }
  }
  return state_;
}

StartTlsSession::State StartTlsSession::FeedPostgres() {
  if (buffer_.empty()) return state_;
  char answer = buffer_[0];
  if (answer == 'S') {
    if (buffer_.size() > 1) return Fail("server sent data before the TLS handshake");
    step_ = Step::kEnd;
    state_ = State::kDone;
    return state_;
  }
  if (answer == 'N') return Fail("PostgreSQL server refused SSL (answered N)");
  if (answer == 'E') return Fail("PostgreSQL server answered the SSLRequest with an error");
  return Fail("not a PostgreSQL SSLRequest answer");
}

}  // namespace certwatch
