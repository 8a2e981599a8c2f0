// OptionalSeconds: std::optional<int64_t>'s meaning in 8 bytes, including 0 and negative times,
// and null in JSON when absent.
#include "common/optional_time.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace certwatch {
namespace {

TEST(OptionalSeconds, BehavesAsOptional) {
  EXPECT_EQ(sizeof(OptionalSeconds), sizeof(int64_t));
  OptionalSeconds none, zero = 0, before_epoch = -5;
  EXPECT_FALSE(none);
  EXPECT_TRUE(zero);
  EXPECT_EQ(*before_epoch, -5);
  EXPECT_EQ(none.value_or(7), 7);
  EXPECT_THROW((void)none.value(), std::bad_optional_access);
  EXPECT_EQ(none, std::nullopt);
  EXPECT_NE(zero, none);
  EXPECT_EQ(zero, int64_t{0});
  std::optional<int64_t> back = before_epoch;
  EXPECT_EQ(back, -5);
  OptionalSeconds from_optional = std::optional<int64_t>{};
  EXPECT_EQ(from_optional, none);
  zero.reset();
  EXPECT_FALSE(zero.has_value());
}

TEST(OptionalSeconds, JsonNullWhenAbsent) {
  nlohmann::json j = {{"a", OptionalSeconds()}, {"b", OptionalSeconds(1700000000)}};
  EXPECT_EQ(j.dump(), R"({"a":null,"b":1700000000})");
  EXPECT_FALSE(j["a"].get<OptionalSeconds>());
  EXPECT_EQ(j["b"].get<OptionalSeconds>(), int64_t{1700000000});
}

}  // namespace
}  // namespace certwatch
