// One line of a Kubernetes watch stream, {"type": ..., "object": {...}}, decoded without a
// network: the Kubernetes source, its tests and the fuzzer share this code.
#pragma once

#include <simdjson.h>

#include <functional>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

#include "common/kube/watch_stream.h"
#include "common/result.h"
#include "exporter/kube/decode.h"

namespace certwatch {

// A padded copy of one line for simdjson (which reads past the end). Its memory is wiped
// when freed or grown; Wipe() clears the last line at once (after a Secret was decoded).
class PaddedLine {
 public:
  explicit PaddedLine(std::pmr::memory_resource* upstream = std::pmr::new_delete_resource())
      : wiping_(upstream), buf_(&wiping_) {}
  PaddedLine(const PaddedLine&) = delete;
  PaddedLine& operator=(const PaddedLine&) = delete;

  simdjson::padded_string_view Set(std::string_view line);
  void Wipe();

 private:
  WipingResource wiping_;
  std::pmr::vector<char> buf_;  // allocated from wiping_ (declared after it)
  size_t len_ = 0;
};

struct WatchEvent {
  std::string type;     // ADDED, MODIFIED, DELETED, BOOKMARK, ERROR, or what the server sent
  StatusObject status;  // ERROR events
  bool keep = false;    // what decode_object answered (ADDED, MODIFIED, DELETED)
};

// Decodes a kind's object into the caller's staging slot; false when it is not kept.
using WatchObjectDecoder = std::function<bool(simdjson::ondemand::object obj, DecodeOutput& d)>;

// Decodes one event. ERROR objects are Status objects, BOOKMARK objects carry only metadata
// (into `d`), the others go to `decode_object`. Fields are read in the order sent (the API
// server sends "type" first). Malformed JSON is an Error "undecodable watch event: ...".
Result<WatchEvent> DecodeWatchEvent(simdjson::ondemand::parser& parser,
                                    simdjson::padded_string_view line, DecodeOutput& d,
                                    const WatchObjectDecoder& decode_object);

}  // namespace certwatch
