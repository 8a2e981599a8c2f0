#include "dashboards/check.h"

#include <gtest/gtest.h>

namespace certwatch {
namespace {

nlohmann::json Valid() {
  return nlohmann::json::parse(R"({
    "uid": "certwatch-fleet", "title": "Fleet", "schemaVersion": 36,
    "templating": {"list": [
      {"name": "datasource", "type": "datasource", "query": "prometheus"},
      {"name": "namespace", "type": "query", "datasource": {"type": "prometheus", "uid": "${datasource}"}}
    ]},
    "panels": [
      {"id": 1, "type": "stat", "title": "A", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 4},
       "datasource": {"type": "prometheus", "uid": "${datasource}"},
       "targets": [{"refId": "A", "expr": "up", "datasource": {"uid": "$datasource"}}]},
      {"id": 2, "type": "table", "title": "B", "gridPos": {"x": 12, "y": 0, "w": 12, "h": 4},
       "datasource": {"type": "prometheus", "uid": "${datasource}"},
       "targets": [{"refId": "A", "expr": "up", "datasource": {"uid": "${datasource}"}}]}
    ]})");
}

std::string Problems(const nlohmann::json& d) {
  std::string all;
  for (const auto& p : CheckDashboard(d)) all += p + "\n";
  return all;
}

TEST(CheckDashboard, AcceptsAnImportableDashboard) { EXPECT_EQ(Problems(Valid()), ""); }

TEST(CheckDashboard, NamesEachMissingField) {
  struct Case {
    std::string pointer;
    std::string expected;
  };
  for (const auto& c : std::vector<Case>{
           {"/uid", "uid: missing"},
           {"/title", "title: missing or empty"},
           {"/schemaVersion", "schemaVersion: missing"},
           {"/panels/0/id", "panels[0].id: missing"},
           {"/panels/1/gridPos", "panels[1].gridPos: missing"},
           {"/panels/1/gridPos/h", "panels[1].gridPos.h: missing"},
           {"/panels/0/datasource", "panels[0].datasource: missing"},
           {"/panels/0/targets/0/expr", "panels[0].targets[0].expr: missing"},
           {"/templating/list/1/datasource", "templating.list[1].datasource: missing"},
       }) {
    auto d = Valid();
    auto ptr = nlohmann::json::json_pointer(c.pointer);
    d[ptr.parent_pointer()].erase(ptr.back());
    EXPECT_NE(Problems(d).find(c.expected), std::string::npos) << c.pointer << ": " << Problems(d);
  }
}

TEST(CheckDashboard, RejectsBadValues) {
  auto d = Valid();
  d["uid"] = "this uid has spaces";
  EXPECT_NE(Problems(d).find("uid:"), std::string::npos);
  d = Valid();
  d["uid"] = std::string(41, 'a');
  EXPECT_NE(Problems(d).find("uid:"), std::string::npos);
  d = Valid();
  d["panels"][1]["id"] = 1;
  EXPECT_NE(Problems(d).find("panels[1].id: 1 is not unique"), std::string::npos);
  d = Valid();
  d["panels"][1]["gridPos"]["x"] = 13;
  EXPECT_NE(Problems(d).find("24-column"), std::string::npos);
  d = Valid();
  d["panels"] = nlohmann::json::array();
  EXPECT_NE(Problems(d).find("panels: missing or empty"), std::string::npos);
}

TEST(CheckDashboard, DatasourceMustResolveToADatasourceVariable) {
  auto d = Valid();
  d["panels"][0]["targets"][0]["datasource"] = {{"uid", "P1809F7CD0C75ACF3"}};
  EXPECT_NE(Problems(d).find("panels[0].targets[0].datasource: \"P1809F7CD0C75ACF3\""),
            std::string::npos);
  d = Valid();
  d["panels"][0]["datasource"] = {{"uid", "${namespace}"}};  // a variable, but not a datasource
  EXPECT_NE(Problems(d).find("panels[0].datasource"), std::string::npos);
  d = Valid();
  d["templating"]["list"].erase(0);
  EXPECT_NE(Problems(d).find("no variable of type datasource"), std::string::npos);
}

}  // namespace
}  // namespace certwatch
