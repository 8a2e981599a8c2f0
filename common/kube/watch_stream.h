// A Kubernetes watch stream arrives as chunks cut anywhere (TCP segments, chunked transfer
// encoding, TLS records, curl's buffer size) and carries one JSON event per line.
// WatchLineSplitter turns the chunks back into lines without a network, so the client, its
// tests and the fuzzer all run the same code.
//
// The partial line kept between chunks may hold a Secret's data (tls.key, base64): every
// buffer it used is wiped with OPENSSL_cleanse before it is freed, grown or reused.
#pragma once

#include <cstddef>
#include <functional>
#include <memory_resource>
#include <string_view>
#include <vector>

namespace certwatch {

// A memory resource that wipes each block before handing it back to `upstream`.
class WipingResource final : public std::pmr::memory_resource {
 public:
  explicit WipingResource(std::pmr::memory_resource* upstream) : upstream_(upstream) {}

 private:
  void* do_allocate(size_t bytes, size_t alignment) override;
  void do_deallocate(void* p, size_t bytes, size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }
  std::pmr::memory_resource* upstream_;
};

class WatchLineSplitter {
 public:
  using LineFn = std::function<bool(std::string_view line)>;

  // `upstream` supplies the partial-line buffer's memory (tests watch what is freed).
  explicit WatchLineSplitter(std::pmr::memory_resource* upstream = std::pmr::new_delete_resource());
  ~WatchLineSplitter();
  WatchLineSplitter(const WatchLineSplitter&) = delete;
  WatchLineSplitter& operator=(const WatchLineSplitter&) = delete;

  // Hands every complete non-empty line (without its '\n') to `on_line`, the partial line
  // from earlier chunks first, and keeps the new partial tail. Returns false as soon as
  // `on_line` does; the rest of the chunk and the partial line are then dropped.
  // The view passed to `on_line` is valid only during the call.
  bool Feed(std::string_view chunk, const LineFn& on_line);

  // The partial line left when the stream ended mid-line ("" when none).
  std::string_view pending() const { return {partial_.data(), partial_.size()}; }

  // Wipes and drops the partial line.
  void Reset();

 private:
  void Append(std::string_view bytes);

  WipingResource wiping_;
  std::pmr::vector<char> partial_;  // allocated from wiping_ (declared after it)
};

}  // namespace certwatch
