// Verify reasons: one spelling each, read back by ParseVerifyReason and by the state API, which
// writes an absent reason as "" (the document's string field since the first version).
#include "state/verify_reason.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "state/state_api.h"

namespace certwatch {
namespace {

TEST(VerifyReason, EverySpellingParsesBack) {
  for (VerifyReason r : kVerifyReasons) EXPECT_EQ(ParseVerifyReason(ToString(r)), r);
  EXPECT_EQ(ParseVerifyReason(""), std::nullopt);
  EXPECT_EQ(ParseVerifyReason("OK"), std::nullopt);
  EXPECT_EQ(ParseVerifyReason("other"), std::nullopt);
  EXPECT_EQ(ToString(std::optional<VerifyReason>()), "");
  EXPECT_EQ(ToString(std::optional<VerifyReason>(VerifyReason::kStartTlsFailed)),
            "starttls_failed");
}

TEST(VerifyReason, StateApiWritesTheSpellingOrEmpty) {
  StateData d;
  d.tls["probed"].verify_reason = VerifyReason::kHostnameMismatch;
  d.tls["pending"];
  auto j = nlohmann::json::parse(StateToJson(d, {}, 0, -1));
  EXPECT_EQ(j["tls"]["probed"]["verify_reason"], "hostname_mismatch");
  EXPECT_EQ(j["tls"]["pending"]["verify_reason"], "");

  auto back = ParseStateJson(StateToJson(d, {}, 0, -1));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->data.tls.at("probed").verify_reason, VerifyReason::kHostnameMismatch);
  EXPECT_EQ(back->data.tls.at("pending").verify_reason, std::nullopt);
}

TEST(VerifyReason, StateApiReadsEveryReason) {
  for (VerifyReason r : kVerifyReasons) {
    const std::string doc =
        R"({"tls": {"t": {"verify_reason": ")" + std::string(ToString(r)) + R"("}}})";
    auto parsed = ParseStateJson(doc);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->data.tls.at("t").verify_reason, r) << ToString(r);
  }
  auto null_reason = ParseStateJson(R"({"tls": {"t": {"verify_reason": null}}})");
  ASSERT_TRUE(null_reason) << null_reason.error().message;
  EXPECT_EQ(null_reason->data.tls.at("t").verify_reason, std::nullopt);
}

}  // namespace
}  // namespace certwatch
