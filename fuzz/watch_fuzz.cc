// A Kubernetes watch stream as it comes off the wire: bytes cut into chunks anywhere, split into
// lines (WatchLineSplitter, as the client does) and each line decoded as an event
// (DecodeWatchEvent with a kind's decoder, as the Kubernetes source does).
// Input: byte 0 picks the kind, byte 1 the chunking, the rest is the stream.
// Properties: the lines do not depend on where the chunks were cut; no line is empty or holds a
// newline; decoding a line with the parser the source reuses gives what a fresh parser gives.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/kube/watch_stream.h"
#include "exporter/kube/decode.h"
#include "exporter/kube/watch_event.h"

namespace cw = certwatch;
namespace od = simdjson::ondemand;

namespace {

[[noreturn]] void Fail(const char* what) {
  fprintf(stderr, "property violated: %s\n", what);
  abort();
}

template <typename T>
cw::WatchObjectDecoder Decoder(void (*fn)(od::object, T&, cw::DecodeOutput&)) {
  return [fn](od::object obj, cw::DecodeOutput& d) {
    T staged;
    fn(obj, staged, d);
    return !d.meta.name.empty();
  };
}

cw::WatchObjectDecoder PickDecoder(uint8_t which) {
  switch (which % 7) {
    case 0:
      return Decoder(&cw::DecodeCertificate);
    case 1:
      return Decoder(&cw::DecodeCertificateRequest);
    case 2:
      return Decoder(&cw::DecodeOrder);
    case 3:
      return Decoder(&cw::DecodeChallenge);
    case 4:
      return Decoder(&cw::DecodeIssuer);
    case 5:
      return Decoder(&cw::DecodeIngress);
    default:
      return Decoder(&cw::DecodeSecret);
  }
}

struct Outcome {
  bool ok = false;
  std::string type, error, rv, warning;
  bool keep = false;
  int64_t code = 0;
  bool operator==(const Outcome&) const = default;
};

Outcome Decode(od::parser& parser, cw::PaddedLine& padded, std::string_view line,
               const cw::WatchObjectDecoder& decode) {
  Outcome o;
  cw::DecodeOutput d;
  auto ev = cw::DecodeWatchEvent(parser, padded.Set(line), d, decode);
  padded.Wipe();
  o.ok = ev.has_value();
  if (!ev) {
    o.error = ev.error().message;
    return o;
  }
  o.type = ev->type;
  o.keep = ev->keep;
  o.code = ev->status.code;
  o.rv = d.meta.resource_version;
  o.warning = d.warning;
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const auto decode = PickDecoder(data[0]);
  uint32_t rng = data[1] * 2654435761u + 1;
  const size_t max_chunk = 1 + (data[1] & 0x3f) * (data[1] & 0x40 ? 64 : 1);
  const std::string_view stream(reinterpret_cast<const char*>(data + 2), size - 2);

  // Reference: the whole stream in one piece.
  std::vector<std::string> want;
  cw::WatchLineSplitter whole;
  whole.Feed(stream, [&](std::string_view l) {
    want.emplace_back(l);
    return true;
  });

  // The source: chunks, one reused parser and padded buffer, stopping where the source stops.
  od::parser parser;
  cw::PaddedLine padded;
  cw::WatchLineSplitter chunked;
  size_t lines = 0;
  bool stopped = false;
  for (size_t at = 0; at < stream.size() && !stopped;) {
    rng = rng * 1103515245u + 12345u;
    const size_t n = std::min(stream.size() - at, 1 + (rng >> 8) % max_chunk);
    const bool more = chunked.Feed(stream.substr(at, n), [&](std::string_view line) {
      if (line.empty() || line.find('\n') != std::string_view::npos) Fail("bad line");
      if (lines >= want.size() || want[lines] != line) Fail("chunking changed the lines");
      ++lines;
      Outcome o = Decode(parser, padded, line, decode);
      od::parser fresh;
      cw::PaddedLine fresh_padded;
      if (!(Decode(fresh, fresh_padded, line, decode) == o)) Fail("the reused parser differs");
      if (!o.ok) return false;  // undecodable: the source relists
      if (o.type == "ADDED" || o.type == "MODIFIED" || o.type == "DELETED" ||
          o.type == "BOOKMARK") {
        return true;
      }
      return false;  // ERROR (410 or other) and unknown types end the watch
    });
    if (!more) stopped = true;
    at += n;
  }
  if (!stopped) {
    if (lines != want.size()) Fail("lines lost");
    if (chunked.pending() != whole.pending()) Fail("different partial line at the end");
  }
  return 0;
}
