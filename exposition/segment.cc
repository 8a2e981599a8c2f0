#include "exposition/segment.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <vector>

namespace certwatch {
namespace {

// RAII for a z_stream set up for raw deflate or inflate. Not movable: zlib's state points back
// at its z_stream.
class ZStream {
 public:
  enum Mode { kDeflate, kInflate };
  ZStream(Mode mode, int level = 1) : deflate_(mode == kDeflate) {
    live_ = deflate_ ? deflateInit2(&zs_, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK
                     : inflateInit2(&zs_, -15) == Z_OK;
  }
  ZStream(const ZStream&) = delete;
  ZStream& operator=(const ZStream&) = delete;
  ~ZStream() {
    if (!live_) return;
    if (deflate_) {
      deflateEnd(&zs_);
    } else {
      inflateEnd(&zs_);
    }
  }
  bool ok() const { return live_; }
  z_stream* get() { return &zs_; }

 private:
  z_stream zs_{};
  bool deflate_;
  bool live_ = false;
};

// Deflaters reset for each segment instead of set up anew: setting one up allocates and clears
// ~300 KiB, more than compressing a block's few kilobytes costs. A few are kept for reuse
// (one collection per format compresses at a time), not one per web worker thread.
class DeflaterLease {
 public:
  DeflaterLease() {
    {
      std::lock_guard lock(mu_);
      if (!free_.empty()) {
        z_ = std::move(free_.back());
        free_.pop_back();
      }
    }
    if (!z_) z_ = std::make_unique<ZStream>(ZStream::kDeflate, kLevel);
  }
  ~DeflaterLease() {
    if (!z_->ok()) return;
    std::lock_guard lock(mu_);
    if (free_.size() < kKept) free_.push_back(std::move(z_));
  }
  DeflaterLease(const DeflaterLease&) = delete;
  DeflaterLease& operator=(const DeflaterLease&) = delete;
  ZStream* operator->() { return z_.get(); }

 private:
  static constexpr int kLevel = 1;
  static constexpr size_t kKept = 4;
  static inline std::mutex mu_;
  static inline std::vector<std::unique_ptr<ZStream>> free_;
  std::unique_ptr<ZStream> z_;
};

Bytef* In(std::string_view s) { return reinterpret_cast<Bytef*>(const_cast<char*>(s.data())); }

// The empty final block (BFINAL=1, fixed Huffman, end-of-block) that ends the joined stream.
constexpr std::array<char, 2> kFinalBlock = {0x03, 0x00};
// gzip header: deflate, no flags, no mtime, OS "unknown" (RFC 1952 section 2.3).
constexpr std::array<char, 10> kGzipHeader = {0x1f, char(0x8b), 0x08, 0, 0, 0, 0, 0, 0, char(0xff)};

}  // namespace

Result<Segment> CompressSegment(std::string_view text) {
  Segment seg;
  seg.size = text.size();
  seg.crc = static_cast<uint32_t>(crc32(0L, In(text), static_cast<uInt>(text.size())));
  if (text.empty()) return seg;
  DeflaterLease z;
  if (!z->ok()) return Error{"deflateInit2 failed"};
  z_stream* zs = z->get();
  if (deflateReset(zs) != Z_OK) return Error{"deflateReset failed"};
  seg.deflate.resize(deflateBound(zs, static_cast<uLong>(text.size())) + 16);
  zs->next_in = In(text);
  zs->avail_in = static_cast<uInt>(text.size());
  zs->next_out = reinterpret_cast<Bytef*>(seg.deflate.data());
  zs->avail_out = static_cast<uInt>(seg.deflate.size());
  // One call: the buffer holds deflateBound plus the sync flush's empty stored block.
  int rc = deflate(zs, Z_SYNC_FLUSH);
  if (rc != Z_OK || zs->avail_in != 0) return Error{"deflate failed: " + std::to_string(rc)};
  seg.deflate.resize(zs->total_out);
  seg.deflate.shrink_to_fit();
  return seg;
}

void Exposition::Append(std::shared_ptr<const Segment> segment) {
  if (!segment || segment->size == 0) return;
  text_size_ += segment->size;
  deflate_size_ += segment->deflate.size();
  segments_.push_back(std::move(segment));
}

uint64_t Exposition::gzip_size() const {
  return kGzipHeader.size() + deflate_size_ + kFinalBlock.size() + 8;
}

bool Exposition::WriteGzip(const ByteSink& out) const {
  if (!out({kGzipHeader.data(), kGzipHeader.size()})) return false;
  uLong crc = crc32(0L, Z_NULL, 0);
  for (const auto& s : segments_) {
    if (!out(s->deflate)) return false;
    crc = crc32_combine(crc, s->crc, static_cast<z_off_t>(s->size));
  }
  char trailer[2 + 8];
  trailer[0] = kFinalBlock[0];
  trailer[1] = kFinalBlock[1];
  const uint32_t isize = static_cast<uint32_t>(text_size_);  // modulo 2^32, as RFC 1952 says
  for (int i = 0; i < 4; ++i) {
    trailer[2 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
    trailer[6 + i] = static_cast<char>((isize >> (8 * i)) & 0xff);
  }
  return out({trailer, sizeof trailer});
}

Status Exposition::WriteText(const ByteSink& out) const {
  constexpr size_t kBuffer = 256 * 1024;
  std::string buf(kBuffer, '\0');
  ZStream z(ZStream::kInflate);
  if (!z.ok()) return Error{"inflateInit2 failed"};
  z_stream* zs = z.get();
  for (const auto& s : segments_) {
    // Each segment is a stream of its own (its back-references stay inside it).
    inflateReset(zs);
    zs->next_in = In(s->deflate);
    zs->avail_in = static_cast<uInt>(s->deflate.size());
    // Until the input is used up and inflate no longer fills the whole buffer.
    for (;;) {
      zs->next_out = reinterpret_cast<Bytef*>(buf.data());
      zs->avail_out = static_cast<uInt>(buf.size());
      int rc = inflate(zs, Z_SYNC_FLUSH);
      if (rc != Z_OK && rc != Z_BUF_ERROR) return Error{"inflate failed: " + std::to_string(rc)};
      const size_t n = buf.size() - zs->avail_out;
      if (n > 0 && !out({buf.data(), n})) return Error{"client closed the connection"};
      if (zs->avail_out != 0 || n == 0) break;
    }
  }
  return OkStatus();
}

std::string Exposition::Text() const {
  std::string text;
  text.reserve(text_size_);
  Status s = WriteText([&](std::string_view piece) {
    text.append(piece);
    return true;
  });
  (void)s;  // segments made by CompressSegment always inflate
  return text;
}

std::string Exposition::Gzip() const {
  std::string out;
  out.reserve(gzip_size());
  WriteGzip([&](std::string_view piece) {
    out.append(piece);
    return true;
  });
  return out;
}

void ExpositionBuilder::Write(std::string_view text) {
  if (text.empty() || !status_) return;
  auto seg = CompressSegment(text);
  if (!seg) {
    status_ = seg.error();
    return;
  }
  out_->Append(std::make_shared<const Segment>(std::move(*seg)));
}

void ExpositionBuilder::Put(std::shared_ptr<const Segment> segment) {
  out_->Append(std::move(segment));
}

Result<std::shared_ptr<const Exposition>> ExpositionBuilder::Finish() {
  if (!status_) return status_.error();
  return std::shared_ptr<const Exposition>(std::move(out_));
}

}  // namespace certwatch
