#include "renewer/selector.h"

#include <gtest/gtest.h>

namespace certwatch::renewer {
namespace {

TEST(Selector, Matches) {
  const StringPairs labels = {{"app", "web"}, {"env", "prod"}};
  struct C {
    std::vector<std::string> namespaces;
    std::string selector;
    std::string ns;
    bool want;
  } cases[] = {
      {{}, "", "default", true},
      {{"default"}, "", "default", true},
      {{"prod", "staging"}, "", "default", false},
      {{}, "app=web", "x", true},
      {{}, "app==web", "x", true},
      {{}, "app=db", "x", false},
      {{}, "app!=db", "x", true},
      {{}, "missing!=db", "x", true},
      {{}, "app", "x", true},
      {{}, "!app", "x", false},
      {{}, "!missing", "x", true},
      {{}, "env in (prod, staging)", "x", true},
      {{}, "env in (dev)", "x", false},
      {{}, "env notin (dev)", "x", true},
      {{}, "app=web,env notin (prod)", "x", false},
      {{}, " app = web , env ", "x", true},
  };
  for (const C& c : cases) {
    auto sel = Selector::Parse(c.namespaces, c.selector);
    ASSERT_TRUE(sel) << c.selector << ": " << sel.error().message;
    EXPECT_EQ(sel->Matches(c.ns, labels), c.want) << c.selector << " ns=" << c.ns;
  }
}

TEST(Selector, Errors) {
  for (const char* bad : {"app=web,", "env in prod)", "env within (a)", "env in ()", "a b=c"}) {
    auto sel = Selector::Parse({}, bad);
    EXPECT_FALSE(sel) << bad;
    if (!sel) {
      EXPECT_NE(sel.error().message.find("label selector"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace certwatch::renewer
