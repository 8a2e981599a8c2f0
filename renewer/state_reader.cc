#include "renewer/state_reader.h"

#include "common/http_get.h"
#include "state/state_api.h"

namespace certwatch::renewer {
namespace {

// The whole state of a large cluster is tens of megabytes; anything far beyond is not an
// exporter talking.
constexpr size_t kMaxBody = 512u << 20;

}  // namespace

Result<Snapshot> ParseSnapshot(std::string_view json) {
  auto doc = ParseStateJson(json);
  if (!doc) return doc.error();
  Snapshot s;
  s.synced = doc->synced;
  s.generated_at = doc->generated_at;
  s.data = std::move(doc->data);
  return s;
}

Result<Snapshot> HttpStateReader::Read() {
  HttpGetOptions options;
  options.max_bytes = kMaxBody;
  options.timeout = std::chrono::milliseconds(timeout_ms_);
  options.connect_timeout = std::chrono::milliseconds(5000);
  options.accept_compressed = true;  // gzip when the exporter offers it
  auto body = HttpGet(url_, options);
  if (!body) return body.error().Wrap("state " + url_);
  auto snap = ParseSnapshot(*body);
  if (!snap) return snap.error().Wrap("state " + url_);
  return snap;
}

}  // namespace certwatch::renewer
