// What the decoder tests share: one JSON document through one decoder, and a CA certificate
// made once (openssl req -x509, P-256) for the decoders that read PEM.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>

#include "exporter/kube/decode.h"

namespace certwatch::testing {

// `json` decoded by `fn` into a fresh State.
template <typename State, typename Fn>
State DecodeJson(const std::string& json, Fn fn, DecodeOutput& d) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(json);
  auto doc = parser.iterate(padded);
  State out;
  fn(doc.get_object().value(), out, d);
  return out;
}

// A self-signed P-256 CA, CN=Webhook CA, serial 0x1f, notAfter 2036-12-01T18:11:55Z.
inline constexpr char kCaPem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBbTCCARKgAwIBAgIBHzAKBggqhkjOPQQDAjAVMRMwEQYDVQQDDApXZWJob29r\n"
    "IENBMB4XDTI2MTIwNDE4MTE1NVoXDTM2MTIwMTE4MTE1NVowFTETMBEGA1UEAwwK\n"
    "V2ViaG9vayBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABKa/3nQ0Ad/bjUSu\n"
    "gW/J+YA18Pv6NZoLeRkqMBqlWdRZfcp5T15eWVUrHhPWl/vSeuDdxad2PkjtDSVt\n"
    "zZXv5DujUzBRMB0GA1UdDgQWBBRMtJnmOY2xcb+Dwe70PdRu/25YTzAfBgNVHSME\n"
    "GDAWgBRMtJnmOY2xcb+Dwe70PdRu/25YTzAPBgNVHRMBAf8EBTADAQH/MAoGCCqG\n"
    "SM49BAMCA0kAMEYCIQCvzPg65tBPDZ7oGJYqVo9zp/XMaB8+GN1Rp1KW/rr/fwIh\n"
    "AIOXGw/izNKrHNYOr668m/eOXb6OtiYPPbqYVmdnm1Rp\n"
    "-----END CERTIFICATE-----\n";
inline constexpr int64_t kCaNotAfter = 2111767915;

}  // namespace certwatch::testing
