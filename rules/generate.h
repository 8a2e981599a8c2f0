// `certwatch generate`: evaluates the embedded monitoring mixin with the config's generator
// section and renders the files a team imports — PrometheusRule CRD, plain rule file, promtool
// unit tests, Grafana dashboards and their ConfigMap, runbooks.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "config/config.h"

namespace certwatch {

struct GeneratedFile {
  std::string path;  // relative to the output directory, e.g. "dashboards/certwatch-fleet.json"
  std::string content;
};

// Every output file, sorted by path. Fails on a jsonnet error (a threshold the mixin rejects)
// or on a dashboard that Grafana could not import.
Result<std::vector<GeneratedFile>> GenerateMonitoring(const GeneratorConfig& config);

// Writes the files under `dir` (created if needed), each through a temporary file and a
// rename so that a reader never sees half a file.
Status WriteGeneratedFiles(const std::vector<GeneratedFile>& files, const std::string& dir);

}  // namespace certwatch
