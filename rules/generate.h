// `certwatch generate`: evaluates the embedded monitoring mixin with the config's generator
// section and renders the files a team imports — PrometheusRule CRD, plain rule file, promtool
// unit tests, Grafana dashboards and their ConfigMap, runbooks.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/config.h"

namespace certwatch {

struct GeneratedFile {
  std::string path;  // relative to the output directory, e.g. "dashboards/certwatch-fleet.json"
  std::string content;
};

// The mixin's outputs as jsonnet manifests them: {path: JSON text}. Fails on a config string
// that is not UTF-8 or a jsonnet error (a threshold the mixin rejects).
Result<std::map<std::string, std::string>> EvaluateMixin(const GeneratorConfig& config);

// Renders evaluated outputs into files (YAML, indented JSON, Markdown), sorted by path. Fails
// on an output name outside the directory or a dashboard that Grafana could not import.
Result<std::vector<GeneratedFile>> RenderMixinOutputs(
    const std::map<std::string, std::string>& outputs);

// EvaluateMixin, then RenderMixinOutputs: every output file, sorted by path.
Result<std::vector<GeneratedFile>> GenerateMonitoring(const GeneratorConfig& config);

// Writes the files under `dir` (created if needed), each through a temporary file and a
// rename so that a reader never sees half a file.
Status WriteGeneratedFiles(const std::vector<GeneratedFile>& files, const std::string& dir);

}  // namespace certwatch
