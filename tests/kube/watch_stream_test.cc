// The watch stream without a network: chunks cut anywhere give the same lines and events as
// the whole stream, and the buffers that held a Secret's line are wiped before they are freed.
#include "common/kube/watch_stream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory_resource>
#include <string>
#include <vector>

#include "exporter/kube/watch_event.h"

namespace certwatch {
namespace {

constexpr char kStream[] =
    R"({"type":"ADDED","object":{"kind":"Certificate","metadata":{"name":"web","namespace":"prod","resourceVersion":"11"},"spec":{"secretName":"web-tls"}}})"
    "\n"
    R"({"type":"BOOKMARK","object":{"kind":"Certificate","metadata":{"resourceVersion":"12"}}})"
    "\n\n"
    R"({"type":"MODIFIED","object":{"kind":"Certificate","metadata":{"name":"web","namespace":"prod","resourceVersion":"13"},"status":{"notAfter":"2027-01-01T00:00:00Z"}}})"
    "\n"
    R"({"type":"DELETED","object":{"kind":"Certificate","metadata":{"name":"api","namespace":"prod","resourceVersion":"14"}}})"
    "\n"
    R"js({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (14)","reason":"Expired","code":410}})js"
    "\n";

std::vector<std::string> Lines(const std::vector<std::string_view>& chunks, WatchLineSplitter& s) {
  std::vector<std::string> lines;
  for (std::string_view c : chunks) {
    EXPECT_TRUE(s.Feed(c, [&](std::string_view l) {
      lines.emplace_back(l);
      return true;
    }));
  }
  return lines;
}

TEST(WatchLineSplitter, EveryTwoCutsGiveTheSameLines) {
  const std::string_view all(kStream);
  WatchLineSplitter whole_splitter;
  const auto whole = Lines({all}, whole_splitter);
  ASSERT_EQ(whole.size(), 5u);  // the blank line is not an event
  EXPECT_EQ(whole[1].substr(0, 19), R"({"type":"BOOKMARK",)");
  EXPECT_TRUE(whole_splitter.pending().empty());
  for (size_t a = 0; a <= all.size(); a += 7) {
    for (size_t b = a; b <= all.size(); ++b) {
      WatchLineSplitter s;
      auto got = Lines({all.substr(0, a), all.substr(a, b - a), all.substr(b)}, s);
      ASSERT_EQ(got, whole) << "cuts at " << a << " and " << b;
      ASSERT_TRUE(s.pending().empty());
    }
  }
}

TEST(WatchLineSplitter, OneByteChunks) {
  const std::string_view all(kStream);
  std::vector<std::string_view> chunks;
  for (size_t i = 0; i < all.size(); ++i) chunks.push_back(all.substr(i, 1));
  WatchLineSplitter whole_splitter, s;
  EXPECT_EQ(Lines(chunks, s), Lines({all}, whole_splitter));
}

TEST(WatchLineSplitter, StreamEndingMidLineLeavesItPending) {
  WatchLineSplitter s;
  auto lines = Lines({"{\"a\":1}\n{\"b\"", ":2"}, s);
  EXPECT_EQ(lines, std::vector<std::string>{"{\"a\":1}"});
  EXPECT_EQ(s.pending(), "{\"b\":2");
  s.Reset();
  EXPECT_TRUE(s.pending().empty());
}

TEST(WatchLineSplitter, StopsWhenTheCallbackSaysSo) {
  WatchLineSplitter s;
  int calls = 0;
  auto stop_at_second = [&](std::string_view) { return ++calls < 2; };
  EXPECT_TRUE(s.Feed("one\ntw", stop_at_second));
  EXPECT_FALSE(s.Feed("o\nthree\nfour", stop_at_second));  // the joined partial line stops it
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(s.pending().empty());  // dropped with the rest of the stream
  calls = 0;
  EXPECT_FALSE(s.Feed("a\nb\nc\n", stop_at_second));
  EXPECT_EQ(calls, 2);
}

// An upstream resource that looks at every block as it comes back.
class InspectingResource final : public std::pmr::memory_resource {
 public:
  explicit InspectingResource(std::string marker) : marker_(std::move(marker)) {}
  int frees = 0;
  int frees_with_marker = 0;  // the marker (or any prefix of 8+ bytes of it) was still there
  int frees_not_zero = 0;

 private:
  void* do_allocate(size_t bytes, size_t alignment) override {
    return std::pmr::new_delete_resource()->allocate(bytes, alignment);
  }
  void do_deallocate(void* p, size_t bytes, size_t alignment) override {
    ++frees;
    std::string_view block(static_cast<const char*>(p), bytes);
    if (block.find(marker_.substr(0, 8)) != std::string_view::npos) ++frees_with_marker;
    if (std::any_of(block.begin(), block.end(), [](char c) { return c != 0; })) ++frees_not_zero;
    std::pmr::new_delete_resource()->deallocate(p, bytes, alignment);
  }
  bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override {
    return this == &o;
  }
  std::string marker_;
};

constexpr char kKeyMarker[] =
    "LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCk1IY0NBUUVFSUtleU1hdGVyaWFs";

std::string SecretEvent() {
  return std::string(
             R"({"type":"ADDED","object":{"kind":"Secret","type":"kubernetes.io/tls","metadata":{"name":"web-tls","namespace":"prod","resourceVersion":"5"},"data":{"tls.crt":"","tls.key":")") +
         kKeyMarker + R"("}}})" + "\n";
}

TEST(WatchLineSplitter, ControlAnUnwipedBufferIsSeen) {
  // Proves the inspection below can fail: a plain vector leaves the key in freed memory.
  InspectingResource upstream(kKeyMarker);
  {
    std::pmr::vector<char> plain(&upstream);
    const std::string e = SecretEvent();
    for (char c : e) plain.push_back(c);
  }
  EXPECT_GT(upstream.frees_with_marker, 0);
}

TEST(WatchLineSplitter, BuffersHoldingASecretAreWipedWhenFreed) {
  InspectingResource upstream(kKeyMarker);
  const std::string e = SecretEvent();
  std::string seen;
  {
    WatchLineSplitter s(&upstream);
    // One byte at a time: the partial line grows through many blocks.
    for (size_t i = 0; i < e.size(); ++i) {
      ASSERT_TRUE(s.Feed(std::string_view(e).substr(i, 1), [&](std::string_view l) {
        seen = std::string(l);
        return true;
      }));
    }
    EXPECT_EQ(seen + "\n", e);
    // A stream cut inside tls.key: the splitter is dropped with the key pending.
    ASSERT_TRUE(s.Feed(std::string_view(e).substr(0, e.size() - 10),
                       [](std::string_view) { return true; }));
    EXPECT_NE(s.pending().find(std::string_view(kKeyMarker).substr(0, 20)), std::string::npos);
  }
  EXPECT_GT(upstream.frees, 5);
  EXPECT_EQ(upstream.frees_with_marker, 0);
  EXPECT_EQ(upstream.frees_not_zero, 0);
}

TEST(WatchLineSplitter, ResetWipesTheKeptBuffer) {
  InspectingResource upstream(kKeyMarker);
  const std::string e = SecretEvent();
  std::string big(100 * 1024, 'x');  // above the kept capacity: Reset frees the block
  WatchLineSplitter s(&upstream);
  ASSERT_TRUE(s.Feed(big + e.substr(0, e.size() - 5), [](std::string_view) { return true; }));
  const int before = upstream.frees;
  s.Reset();
  EXPECT_GT(upstream.frees, before);
  EXPECT_EQ(upstream.frees_with_marker, 0);
  EXPECT_EQ(upstream.frees_not_zero, 0);
}

TEST(PaddedLine, GrowingAndDroppingWipes) {
  InspectingResource upstream(kKeyMarker);
  {
    PaddedLine line(&upstream);
    const std::string e = SecretEvent();
    auto psv = line.Set(e);
    EXPECT_EQ(std::string_view(psv.data(), psv.length()), e);
    // A longer line moves to a bigger block; the key's block is wiped before it is freed.
    line.Set(e + std::string(4096, ' '));
    line.Set(e);
  }
  EXPECT_GE(upstream.frees, 2);
  EXPECT_EQ(upstream.frees_with_marker, 0);
  EXPECT_EQ(upstream.frees_not_zero, 0);
}

struct Decoded {
  std::string type, name, rv;
  bool keep = false;
  int64_t code = 0;
  std::string reason;
  bool operator==(const Decoded&) const = default;
};

std::vector<Decoded> DecodeAll(const std::vector<std::string>& lines) {
  simdjson::ondemand::parser parser;
  PaddedLine padded;
  std::vector<Decoded> out;
  for (const auto& l : lines) {
    DecodeOutput d;
    CertificateState c;
    auto ev = DecodeWatchEvent(parser, padded.Set(l), d,
                               [&](simdjson::ondemand::object obj, DecodeOutput& dd) {
                                 DecodeCertificate(obj, c, dd);
                                 return !dd.meta.name.empty();
                               });
    padded.Wipe();
    EXPECT_TRUE(ev.has_value()) << l;
    if (!ev) continue;
    out.push_back({ev->type, d.meta.name, d.meta.resource_version, ev->keep, ev->status.code,
                   ev->status.reason});
  }
  return out;
}

TEST(DecodeWatchEvent, EveryKindOfEvent) {
  WatchLineSplitter s;
  auto events = DecodeAll(Lines({kStream}, s));
  std::vector<Decoded> want = {
      {"ADDED", "web", "11", true, 0, ""},      {"BOOKMARK", "", "12", false, 0, ""},
      {"MODIFIED", "web", "13", true, 0, ""},   {"DELETED", "api", "14", true, 0, ""},
      {"ERROR", "", "", false, 410, "Expired"},
  };
  EXPECT_EQ(events, want);
}

TEST(DecodeWatchEvent, ChunkedStreamGivesTheSameEvents) {
  const std::string_view all(kStream);
  WatchLineSplitter whole_splitter;
  const auto want = DecodeAll(Lines({all}, whole_splitter));
  for (size_t a = 1; a < all.size(); a += 13) {
    WatchLineSplitter s;
    ASSERT_EQ(DecodeAll(Lines({all.substr(0, a), all.substr(a)}, s)), want) << a;
  }
}

TEST(DecodeWatchEvent, InitialEventsEndBookmark) {
  // A streaming list ends its initial events with this bookmark; a plain bookmark, or the
  // annotation with another value, does not end them.
  simdjson::ondemand::parser parser;
  PaddedLine padded;
  auto never = [](simdjson::ondemand::object, DecodeOutput&) { return true; };
  struct Case {
    std::string line;
    bool end;
  };
  for (
      const Case& c : std::vector<Case>{
          {R"({"type":"BOOKMARK","object":{"kind":"Certificate","metadata":{"resourceVersion":"40","annotations":{"k8s.io/initial-events-end":"true"}}}})",
           true},
          {R"({"type":"BOOKMARK","object":{"kind":"Certificate","metadata":{"resourceVersion":"41"}}})",
           false},
          {R"({"type":"BOOKMARK","object":{"kind":"Certificate","metadata":{"resourceVersion":"42","annotations":{"k8s.io/initial-events-end":"false","other":"true"}}}})",
           false},
      }) {
    DecodeOutput d;
    auto ev = DecodeWatchEvent(parser, padded.Set(c.line), d, never);
    ASSERT_TRUE(ev.has_value()) << c.line;
    EXPECT_EQ(ev->type, "BOOKMARK");
    EXPECT_EQ(d.initial_events_end, c.end) << c.line;
    EXPECT_FALSE(d.meta.resource_version.empty());
  }
}

TEST(DecodeWatchEvent, GarbageIsAnError) {
  simdjson::ondemand::parser parser;
  PaddedLine padded;
  auto never = [](simdjson::ondemand::object, DecodeOutput&) { return true; };
  for (std::string bad : {"not json", R"({"type":"ADDED","object":)", R"(["ADDED"])",
                          R"({"type":7})", R"({"type":"ADDED","object":"x"})"}) {
    DecodeOutput d;
    auto ev = DecodeWatchEvent(parser, padded.Set(bad), d, never);
    ASSERT_FALSE(ev.has_value()) << bad;
    EXPECT_EQ(ev.error().message.rfind("undecodable watch event: ", 0), 0u) << bad;
  }
  DecodeOutput d;
  auto odd = DecodeWatchEvent(parser, padded.Set(R"({"type":"SURPRISE","object":{}})"), d, never);
  ASSERT_TRUE(odd.has_value());
  EXPECT_EQ(odd->type, "SURPRISE");  // the source reports unknown types itself
}

}  // namespace
}  // namespace certwatch
