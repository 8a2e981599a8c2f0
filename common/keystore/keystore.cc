#include "common/keystore/keystore.h"

namespace certwatch::keystore {

std::string_view ToString(Format f) {
  switch (f) {
    case Format::kPkcs12:
      return "pkcs12";
    case Format::kJks:
      return "jks";
  }
  return "pkcs12";
}

std::string_view ToString(Reason r) {
  switch (r) {
    case Reason::kWrongPassword:
      return "wrong_password";
    case Reason::kMissingPassword:
      return "missing_password";
    case Reason::kCorrupt:
      return "corrupt";
    case Reason::kNoCertificate:
      return "no_certificate";
    case Reason::kLegacyProviderMissing:
      return "legacy_provider_missing";
  }
  return "corrupt";
}

std::optional<Format> Sniff(std::string_view data) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(data[i]); };
  if (data.size() >= 4 && byte(0) == 0xfe && byte(1) == 0xed && byte(2) == 0xfe &&
      byte(3) == 0xed) {
    return Format::kJks;
  }
  // PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData OPTIONAL }; a
  // DER certificate's SEQUENCE starts with another SEQUENCE (tbsCertificate) instead.
  if (data.size() < 5 || byte(0) != 0x30) return std::nullopt;
  size_t pos = 2;
  if (byte(1) > 0x80) pos += byte(1) & 0x7f;  // long form; 0x80 is BER's indefinite length
  if (byte(1) > 0x84 || data.size() < pos + 3) return std::nullopt;
  if (byte(pos) == 0x02 && byte(pos + 1) == 0x01 && byte(pos + 2) == 0x03) return Format::kPkcs12;
  return std::nullopt;
}

Outcome Parse(Format format, std::string_view data, std::optional<std::string_view> password) {
  return format == Format::kJks ? ParseJks(data, password) : ParsePkcs12(data, password);
}

}  // namespace certwatch::keystore
