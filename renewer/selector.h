// Which certificates the renewer may touch: a namespace list and a Kubernetes label selector
// (`app=web,tier!=db,canary,!legacy,env in (prod,staging),zone notin (a)`).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/string_pairs.h"

namespace certwatch::renewer {

class Selector {
 public:
  // Empty namespaces = all; empty selector = every label set.
  static Result<Selector> Parse(std::vector<std::string> namespaces, std::string_view labels);

  bool Matches(const std::string& ns, const StringPairs& labels) const;
  std::string Describe() const;  // for log lines

 private:
  enum class Op { kEquals, kNotEquals, kExists, kNotExists, kIn, kNotIn };
  struct Requirement {
    std::string key;
    Op op;
    std::vector<std::string> values;
  };
  std::vector<std::string> namespaces_;
  std::vector<Requirement> requirements_;
  std::string text_;
};

}  // namespace certwatch::renewer
