#include "state/ca_bundles.h"

namespace certwatch {

std::string CaBundleProbeSource(std::string_view kind, std::string_view name,
                                std::string_view webhook) {
  std::string s(kCaBundleSourcePrefix);
  s.append(kind).append("/").append(name).append("/").append(webhook);
  return s;
}

}  // namespace certwatch
