// The source contract of state/source.h: Synced() reads the row the source writes, Forget()
// drops what it wrote and nothing else.
#include "state/source.h"

#include <gtest/gtest.h>

namespace certwatch {
namespace {

class FakeSource final : public Source {
 public:
  explicit FakeSource(StateStore& store) : store_(store) {}
  std::string_view Name() const override { return "fake"; }
  void Start() override {
    store_.Update([](StateData& d) { d.file_errors["/fake"] = {"/fake", "unreadable"}; });
    store_.SetSource("fake", true, true, 100, "");
  }
  void Stop() override {}
  void Forget(StateData& d) const override {
    d.file_errors.erase("/fake");
    d.sources.erase("fake");
  }

 private:
  StateStore& store_;
};

TEST(Source, SyncedReadsItsOwnRowAndForgetDropsOnlyItsState) {
  StateStore store;
  FakeSource source(store);
  store.SetSource("other", true, true, 100, "");
  auto synced = [&] { return store.Read([&](const StateData& d) { return source.Synced(d); }); };
  EXPECT_FALSE(synced());
  source.Start();
  EXPECT_TRUE(synced());
  store.Update([&](StateData& d) { source.Forget(d); });
  EXPECT_FALSE(synced());
  store.Read([](const StateData& d) {
    EXPECT_TRUE(d.file_errors.empty());
    EXPECT_TRUE(d.sources.count("other"));
  });
}

}  // namespace
}  // namespace certwatch
