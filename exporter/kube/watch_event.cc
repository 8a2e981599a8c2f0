#include "exporter/kube/watch_event.h"

#include <openssl/crypto.h>

#include <cstring>

namespace certwatch {

namespace od = simdjson::ondemand;

simdjson::padded_string_view PaddedLine::Set(std::string_view line) {
  if (buf_.size() < line.size() + simdjson::SIMDJSON_PADDING) {
    buf_.resize(line.size() + simdjson::SIMDJSON_PADDING);
  }
  std::memcpy(buf_.data(), line.data(), line.size());
  len_ = line.size();
  return simdjson::padded_string_view(buf_.data(), line.size(), buf_.size());
}

void PaddedLine::Wipe() {
  OPENSSL_cleanse(buf_.data(), len_);
  len_ = 0;
}

Result<WatchEvent> DecodeWatchEvent(od::parser& parser, simdjson::padded_string_view line,
                                    DecodeOutput& d, const WatchObjectDecoder& decode_object) {
  WatchEvent ev;
  try {
    od::document doc = parser.iterate(line);
    for (auto field : doc.get_object()) {
      std::string_view key = field.unescaped_key();
      if (key == "type") {
        ev.type = std::string(std::string_view(field.value().get_string()));
      } else if (key == "object") {
        od::object obj = field.value().get_object();
        if (ev.type == "ERROR") {
          DecodeStatus(obj, ev.status);
        } else if (ev.type == "BOOKMARK") {
          DecodeMetaOnly(obj, d);
        } else {
          ev.keep = decode_object(obj, d);
        }
      }
    }
  } catch (const simdjson::simdjson_error& e) {
    return Error{std::string("undecodable watch event: ") + e.what()};
  }
  return ev;
}

}  // namespace certwatch
