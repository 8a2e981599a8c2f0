// Exposition text held compressed, in pieces that can be reused and joined. A Segment is a run
// of text as raw deflate that ends on a byte boundary without a final block (a sync flush), so
// segments compressed separately concatenate into one valid deflate stream: an Exposition
// sends them as one gzip member (RFC 1952) behind a 10-byte header, with the CRC-32 of the
// whole text combined from the segments' (zlib's crc32_combine, as pigz joins its blocks).
// A collector caches the segments of objects that did not change, so a scrape of an unchanged
// state only copies compressed bytes; plain responses inflate them as they are sent.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace certwatch {

struct Segment {
  std::string deflate;  // raw deflate, sync-flushed, no final block
  uint32_t crc = 0;     // CRC-32 of the text
  uint64_t size = 0;    // bytes of text
};

// `text` compressed at zlib level 1 (what Prometheus client libraries use for scrapes).
Result<Segment> CompressSegment(std::string_view text);

// Receives the bytes of a response in order; false stops the writer (the client went away).
using ByteSink = std::function<bool(std::string_view)>;

// One scrape's exposition: segments in order, immutable once built, shared by every response
// that sends it (concurrent scrapes of one collection).
class Exposition {
 public:
  void Append(std::shared_ptr<const Segment> segment);
  uint64_t text_size() const { return text_size_; }
  // Bytes of the gzip response: header, every segment, final block and trailer.
  uint64_t gzip_size() const;
  size_t segments() const { return segments_.size(); }

  // The response as gzip: segments are copied, nothing is compressed here.
  bool WriteGzip(const ByteSink& out) const;
  // The response as text, inflated one segment at a time into a 256 KiB buffer.
  Status WriteText(const ByteSink& out) const;
  // The whole text, and the whole gzip response (tests, and the rare caller that needs the
  // bytes at once).
  std::string Text() const;
  std::string Gzip() const;

 private:
  std::vector<std::shared_ptr<const Segment>> segments_;
  uint64_t text_size_ = 0;
  uint64_t deflate_size_ = 0;
};

// Builds an Exposition: text is compressed into a new segment as it comes (callers hand it
// over in large runs, e.g. TextWriter's flushes), ready-made segments are put in between.
class ExpositionBuilder {
 public:
  void Write(std::string_view text);
  void Put(std::shared_ptr<const Segment> segment);
  // The exposition, or the first compression error.
  Result<std::shared_ptr<const Exposition>> Finish();

 private:
  Status status_ = OkStatus();
  std::shared_ptr<Exposition> out_ = std::make_shared<Exposition>();
};

}  // namespace certwatch
