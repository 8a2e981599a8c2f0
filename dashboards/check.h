// The fields Grafana needs to import a dashboard JSON model, checked before the generator writes
// one: uid (1..40 characters of [A-Za-z0-9_-]), title, schemaVersion, panels each with a unique
// numeric id, a type, a title and an in-bounds gridPos, and every datasource reference (panel,
// query, template variable) naming a datasource template variable of type "datasource".
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace certwatch {

// Problems found, each "panels[3].gridPos.w: missing"; empty when the dashboard is importable.
std::vector<std::string> CheckDashboard(const nlohmann::json& dashboard);

}  // namespace certwatch
