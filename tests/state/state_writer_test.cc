// Posted updates reach the store in order, Flush waits for them, and the destructor applies
// what is still pending.
#include "state/state_writer.h"

#include <gtest/gtest.h>

#include <string>

namespace certwatch {
namespace {

TEST(DeferredStateWriter, AppliesInOrderAndFlushWaits) {
  StateStore store;
  DeferredStateWriter writer(store);
  for (int i = 0; i < 1000; ++i) {
    writer.Post([i](StateData& d) {
      d.renewer_last_action["order"].at = i;  // the last write wins only if in order
      d.budgets[std::to_string(i)].limit = i;
    });
  }
  writer.Flush();
  store.Read([](const StateData& d) {
    EXPECT_EQ(d.budgets.size(), 1000u);
    EXPECT_EQ(d.renewer_last_action.at("order").at, 999);
    return 0;
  });
}

TEST(DeferredStateWriter, DestructorAppliesPending) {
  StateStore store;
  {
    DeferredStateWriter writer(store);
    for (int i = 0; i < 100; ++i) {
      writer.Post([i](StateData& d) { d.budgets[std::to_string(i)].limit = i; });
    }
  }
  EXPECT_EQ(store.Read([](const StateData& d) { return d.budgets.size(); }), 100u);
}

}  // namespace
}  // namespace certwatch
