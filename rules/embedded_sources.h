// The monitoring mixin's jsonnet sources, compiled into the binary (see rules/embed.cmake), so
// that `certwatch generate` needs no files besides its config.
#pragma once

#include <span>
#include <string_view>

namespace certwatch {

struct EmbeddedSource {
  std::string_view path;  // relative to the source root, e.g. "rules/mixin.libsonnet"
  std::string_view content;
};

std::span<const EmbeddedSource> EmbeddedMixinSources();

}  // namespace certwatch
