// The git revision the binary was configured from (certwatch version, certwatch_build_info,
// the landing page). It lives in one generated source, not in a compile definition, so a new
// commit recompiles that file only and every other object stays in ccache.
#pragma once

#include <string_view>

namespace certwatch {

std::string_view Revision();

}  // namespace certwatch
