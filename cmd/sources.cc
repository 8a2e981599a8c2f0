// Every source `certwatch serve` runs, built from the config. Each capability adds its source
// here: one block in MakeSources, its name in ReadinessSources, its state in ForgetSourceState.
#include "cmd/sources.h"

#include "exporter/files/files_source.h"

namespace certwatch {

std::vector<std::unique_ptr<Source>> MakeSources(const SourceDeps& deps) {
  std::vector<std::unique_ptr<Source>> out;
  const Config& c = deps.config;
  if (!c.files.empty()) {
    FilesSourceOptions options;
    for (const auto& f : c.files) options.patterns.push_back(f.path);
    options.shard = deps.shard;
    out.push_back(std::make_unique<FilesSource>(std::move(options), deps.store,
                                                deps.logger.With("source", "files"), deps.clock));
  }
  return out;
}

std::vector<std::string> ReadinessSources(const Config& config) {
  std::vector<std::string> out;
  if (!config.files.empty()) out.push_back("files");
  return out;
}

void ForgetSourceState(StateData& d) {
  d.files.clear();
  d.file_errors.clear();
  d.sources.erase("files");
}

}  // namespace certwatch
