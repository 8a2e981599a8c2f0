// The generator section of the config as the mixin's `_config` (camelCase keys, durations in
// seconds), passed to rules/outputs.jsonnet as its `config` top-level argument.
#pragma once

#include <nlohmann/json.hpp>

#include "config/config.h"

namespace certwatch {

nlohmann::json MixinConfig(const GeneratorConfig& config);

}  // namespace certwatch
