// Evaluates jsonnet with libjsonnet, resolving imports only from a fixed set of in-memory
// sources (the embedded mixin), never from the filesystem.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "rules/embedded_sources.h"

namespace certwatch {

// Evaluates `entry` (a path among `sources`) in multi-file mode: the result must be an object
// whose fields become {name: JSON text}. `tla_code` binds top-level arguments as jsonnet code
// (JSON is valid jsonnet). Errors carry libjsonnet's message and stack trace.
Result<std::map<std::string, std::string>> EvaluateJsonnetMulti(
    std::span<const EmbeddedSource> sources, std::string_view entry,
    const std::map<std::string, std::string>& tla_code);

// Resolves an import as the jsonnet CLI does for relative paths: `rel` against the directory
// of the importing file `base_dir` ("rules/"), normalising "." and ".." segments. Returns ""
// if the path climbs above the root.
std::string ResolveImportPath(std::string_view base_dir, std::string_view rel);

}  // namespace certwatch
