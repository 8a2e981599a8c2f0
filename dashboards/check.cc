#include "dashboards/check.h"

#include <cctype>
#include <set>

namespace certwatch {
namespace {

class Checker {
 public:
  explicit Checker(const nlohmann::json& d) : d_(d) {}

  std::vector<std::string> Run() {
    if (!d_.is_object()) return {"dashboard: not a JSON object"};
    CheckUid();
    NonEmptyString(d_, "title", "title");
    if (!d_.contains("schemaVersion") || !d_["schemaVersion"].is_number_integer()) {
      problems_.push_back("schemaVersion: missing or not an integer");
    }
    CollectDatasourceVariables();
    CheckVariables();
    CheckPanels();
    return problems_;
  }

 private:
  void CheckUid() {
    if (!d_.contains("uid") || !d_["uid"].is_string()) {
      problems_.push_back("uid: missing");
      return;
    }
    const auto& uid = d_["uid"].get_ref<const std::string&>();
    bool ok = !uid.empty() && uid.size() <= 40;
    for (char c : uid) {
      ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
    }
    if (!ok) problems_.push_back("uid: \"" + uid + "\" is not 1-40 characters of [A-Za-z0-9_-]");
  }

  void NonEmptyString(const nlohmann::json& obj, const char* key, const std::string& where) {
    if (!obj.contains(key) || !obj[key].is_string() ||
        obj[key].get_ref<const std::string&>().empty()) {
      problems_.push_back(where + ": missing or empty");
    }
  }

  const nlohmann::json* Variables() const {
    if (!d_.contains("templating") || !d_["templating"].is_object()) return nullptr;
    const auto& t = d_["templating"];
    if (!t.contains("list") || !t["list"].is_array()) return nullptr;
    return &t["list"];
  }

  void CollectDatasourceVariables() {
    const auto* vars = Variables();
    if (vars == nullptr) return;
    for (const auto& v : *vars) {
      if (v.is_object() && v.value("type", "") == "datasource" && v.contains("name") &&
          v["name"].is_string()) {
        datasource_vars_.insert(v["name"].get<std::string>());
      }
    }
  }

  // A datasource reference must be {"uid": "${var}"} (or "$var") of a datasource variable.
  void CheckDatasource(const nlohmann::json& obj, const std::string& where) {
    if (!obj.contains("datasource")) {
      problems_.push_back(where + ".datasource: missing");
      return;
    }
    const auto& ds = obj["datasource"];
    std::string ref;
    if (ds.is_object() && ds.contains("uid") && ds["uid"].is_string()) {
      ref = ds["uid"].get<std::string>();
    } else if (ds.is_string()) {
      ref = ds.get<std::string>();
    }
    std::string name;
    if (ref.starts_with("${") && ref.ends_with("}")) {
      name = ref.substr(2, ref.size() - 3);
    } else if (ref.starts_with("$")) {
      name = ref.substr(1);
    }
    if (name.empty() || !datasource_vars_.contains(name)) {
      problems_.push_back(where + ".datasource: \"" + ref +
                          "\" does not reference a datasource template variable");
    }
  }

  void CheckVariables() {
    const auto* vars = Variables();
    if (vars == nullptr) {
      problems_.push_back("templating.list: missing");
      return;
    }
    if (datasource_vars_.empty()) {
      problems_.push_back("templating.list: no variable of type datasource");
    }
    for (size_t i = 0; i < vars->size(); ++i) {
      const auto& v = (*vars)[i];
      std::string where = "templating.list[" + std::to_string(i) + "]";
      NonEmptyString(v, "name", where + ".name");
      if (v.value("type", "") == "query") CheckDatasource(v, where);
    }
  }

  void CheckPanels() {
    if (!d_.contains("panels") || !d_["panels"].is_array() || d_["panels"].empty()) {
      problems_.push_back("panels: missing or empty");
      return;
    }
    std::set<long> ids;
    const auto& panels = d_["panels"];
    for (size_t i = 0; i < panels.size(); ++i) {
      const auto& p = panels[i];
      std::string where = "panels[" + std::to_string(i) + "]";
      if (!p.contains("id") || !p["id"].is_number_integer()) {
        problems_.push_back(where + ".id: missing or not an integer");
      } else if (!ids.insert(p["id"].get<long>()).second) {
        problems_.push_back(where + ".id: " + std::to_string(p["id"].get<long>()) +
                            " is not unique");
      }
      NonEmptyString(p, "type", where + ".type");
      NonEmptyString(p, "title", where + ".title");
      CheckGridPos(p, where);
      if (p.value("type", "") == "row") continue;
      CheckDatasource(p, where);
      if (!p.contains("targets") || !p["targets"].is_array() || p["targets"].empty()) {
        problems_.push_back(where + ".targets: missing or empty");
        continue;
      }
      for (size_t t = 0; t < p["targets"].size(); ++t) {
        const auto& target = p["targets"][t];
        std::string twhere = where + ".targets[" + std::to_string(t) + "]";
        CheckDatasource(target, twhere);
        NonEmptyString(target, "expr", twhere + ".expr");
        NonEmptyString(target, "refId", twhere + ".refId");
      }
    }
  }

  void CheckGridPos(const nlohmann::json& p, const std::string& where) {
    if (!p.contains("gridPos") || !p["gridPos"].is_object()) {
      problems_.push_back(where + ".gridPos: missing");
      return;
    }
    const auto& g = p["gridPos"];
    for (const char* key : {"x", "y", "w", "h"}) {
      if (!g.contains(key) || !g[key].is_number_integer()) {
        problems_.push_back(where + ".gridPos." + key + ": missing or not an integer");
        return;
      }
    }
    long x = g["x"], w = g["w"], h = g["h"], y = g["y"];
    if (x < 0 || y < 0 || w < 1 || h < 1 || x + w > 24) {
      problems_.push_back(where + ".gridPos: out of the 24-column grid (x " + std::to_string(x) +
                          ", w " + std::to_string(w) + ")");
    }
  }

  const nlohmann::json& d_;
  std::set<std::string> datasource_vars_;
  std::vector<std::string> problems_;
};

}  // namespace

std::vector<std::string> CheckDashboard(const nlohmann::json& dashboard) {
  return Checker(dashboard).Run();
}

}  // namespace certwatch
