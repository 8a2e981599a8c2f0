// Standard base64 (RFC 4648, with padding), as Kubernetes uses for Secret data and kubeconfig
// *-data fields. Whitespace in the input is ignored.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace certwatch {

Result<std::string> Base64Decode(std::string_view in);
std::string Base64Encode(std::string_view in);

}  // namespace certwatch
