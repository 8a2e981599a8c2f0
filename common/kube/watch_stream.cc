#include "common/kube/watch_stream.h"

#include <openssl/crypto.h>

namespace certwatch {

namespace {
// A line longer than this (a huge object) does not keep its buffer once handed over: an idle
// watch should not pin megabytes.
constexpr size_t kKeepCapacity = 64 * 1024;
}  // namespace

void* WipingResource::do_allocate(size_t bytes, size_t alignment) {
  return upstream_->allocate(bytes, alignment);
}

void WipingResource::do_deallocate(void* p, size_t bytes, size_t alignment) {
  OPENSSL_cleanse(p, bytes);
  upstream_->deallocate(p, bytes, alignment);
}

WatchLineSplitter::WatchLineSplitter(std::pmr::memory_resource* upstream)
    : wiping_(upstream), partial_(&wiping_) {}

// The vector frees its block through wiping_, which wipes it.
WatchLineSplitter::~WatchLineSplitter() = default;

void WatchLineSplitter::Append(std::string_view bytes) {
  // Growing moves the bytes to a new block and frees the old one through wiping_.
  partial_.insert(partial_.end(), bytes.begin(), bytes.end());
}

void WatchLineSplitter::Reset() {
  OPENSSL_cleanse(partial_.data(), partial_.size());
  partial_.clear();
  if (partial_.capacity() > kKeepCapacity) std::pmr::vector<char>(&wiping_).swap(partial_);
}

bool WatchLineSplitter::Feed(std::string_view chunk, const LineFn& on_line) {
  size_t start = 0;
  if (!partial_.empty()) {
    const size_t nl = chunk.find('\n');
    if (nl == std::string_view::npos) {
      Append(chunk);
      return true;
    }
    Append(chunk.substr(0, nl));
    const bool more = on_line(pending());
    Reset();
    if (!more) return false;
    start = nl + 1;
  }
  while (start < chunk.size()) {
    const size_t nl = chunk.find('\n', start);
    if (nl == std::string_view::npos) {
      Append(chunk.substr(start));
      break;
    }
    if (nl > start && !on_line(chunk.substr(start, nl - start))) return false;
    start = nl + 1;
  }
  return true;
}

}  // namespace certwatch
