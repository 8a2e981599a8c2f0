#include "common/optional_time.h"

#include <nlohmann/json.hpp>

namespace certwatch {

void to_json(nlohmann::json& j, const OptionalSeconds& t) {
  if (t) {
    j = *t;
  } else {
    j = nullptr;
  }
}

void from_json(const nlohmann::json& j, OptionalSeconds& t) {
  if (j.is_null()) {
    t.reset();
  } else {
    t = j.get<int64_t>();
  }
}

}  // namespace certwatch
