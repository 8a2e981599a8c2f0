#include "certmanager/requests.h"

#include <gtest/gtest.h>

#include <map>

namespace certwatch::certmanager {
namespace {

CertificateRequestState Request(std::string name, int revision, UnixSeconds created,
                                std::string certificate = "web", std::string ns = "shop") {
  CertificateRequestState r;
  r.ns = std::move(ns);
  r.name = std::move(name);
  r.certificate = std::move(certificate);
  r.revision = revision;
  r.created = created;
  return r;
}

CertificateState Certificate(int revision) {
  CertificateState c;
  c.ns = "shop";
  c.name = "web";
  c.revision = revision;
  return c;
}

TEST(CurrentRequest, TheNextRevisionNewestFirst) {
  std::vector<CertificateRequestState> reqs = {
      Request("web-3", 3, 100), Request("web-4a", 4, 200), Request("web-4b", 4, 300),
      Request("other-4", 4, 900, "other"), Request("web-4x", 4, 900, "web", "elsewhere")};
  const auto* r = CurrentRequest(reqs, Certificate(3));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->name, "web-4b");
  // The same rule over pointers and over the store's map.
  std::vector<const CertificateRequestState*> ptrs;
  std::map<std::string, CertificateRequestState> by_key;
  for (const auto& x : reqs) {
    ptrs.push_back(&x);
    by_key[x.ns + "/" + x.name] = x;
  }
  EXPECT_EQ(CurrentRequest(ptrs, Certificate(3))->name, "web-4b");
  EXPECT_EQ(CurrentRequest(by_key, Certificate(3))->name, "web-4b");
}

TEST(CurrentRequest, TiesOnCreationGoToTheLaterName) {
  std::vector<CertificateRequestState> reqs = {Request("web-4b", 4, 300),
                                               Request("web-4a", 4, 300)};
  EXPECT_EQ(CurrentRequest(reqs, Certificate(3))->name, "web-4b");
  std::swap(reqs[0], reqs[1]);
  EXPECT_EQ(CurrentRequest(reqs, Certificate(3))->name, "web-4b");
}

TEST(CurrentRequest, ALaterRevisionWhenStatusLagsAndNoneForHistory) {
  std::vector<CertificateRequestState> reqs = {Request("web-2", 2, 100), Request("web-3", 3, 200),
                                               Request("web-6", 6, 250), Request("web-5", 5, 300)};
  EXPECT_EQ(CurrentRequest(reqs, Certificate(3))->name, "web-5");  // newest of the later ones
  EXPECT_EQ(CurrentRequest(reqs, Certificate(6)), nullptr);        // only history
  EXPECT_EQ(CurrentRequest(reqs, Certificate(1))->name, "web-2");  // revision 2 is the next
}

TEST(CurrentOrder, NewestOfTheRequestAndItsChallengesByName) {
  auto req = Request("web-4", 4, 100);
  std::vector<OrderState> orders(3);
  orders[0].ns = "shop", orders[0].name = "web-4-1", orders[0].request = "web-4",
  orders[0].created = 10;
  orders[1].ns = "shop", orders[1].name = "web-4-2", orders[1].request = "web-4",
  orders[1].created = 20;
  orders[2].ns = "shop", orders[2].name = "x-1", orders[2].request = "x", orders[2].created = 30;
  const OrderState* o = CurrentOrder(orders, req);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->name, "web-4-2");

  std::vector<ChallengeState> chs(3);
  chs[0].ns = "shop", chs[0].name = "b", chs[0].order = "web-4-2";
  chs[1].ns = "shop", chs[1].name = "a", chs[1].order = "web-4-2";
  chs[2].ns = "shop", chs[2].name = "c", chs[2].order = "web-4-1";
  auto mine = ChallengesOfOrder(chs, *o);
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0]->name, "a");
  EXPECT_EQ(mine[1]->name, "b");
  EXPECT_TRUE(FailedAcmeState("invalid"));
  EXPECT_TRUE(FailedAcmeState("errored"));
  EXPECT_FALSE(FailedAcmeState("pending"));
}

}  // namespace
}  // namespace certwatch::certmanager
