// The value types a schema row can have, and how the reference names them.
#include <algorithm>

#include "common/strings.h"
#include "config/address.h"
#include "config/schema.h"

namespace certwatch::schema {
namespace {

std::string FormatNumber(double v) {
  std::string s = std::to_string(v);
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  return s;
}

Type Make(Kind kind, std::string name) {
  Type t;
  t.kind = kind;
  t.name = std::move(name);
  return t;
}

}  // namespace

Type Bool() { return Make(Kind::kBool, "boolean"); }

Type Int(int64_t min, int64_t max) {
  Type t = Make(Kind::kInt, "integer " + std::to_string(min) + "–" + std::to_string(max));
  t.min_int = min;
  t.max_int = max;
  return t;
}

Type Number(double min, double max) {
  Type t = Make(Kind::kNumber, "number " + FormatNumber(min) + "–" + FormatNumber(max));
  t.min_number = min;
  t.max_number = max;
  return t;
}

Type Str() { return Make(Kind::kString, "string"); }

Type Str(std::string name, StringCheck check) {
  Type t = Make(Kind::kString, std::move(name));
  t.check = std::move(check);
  return t;
}

Type Dur(certwatch::Duration min) {
  Type t = Make(Kind::kDuration,
                min.count() > 0 ? "duration ≥ " + FormatDuration(min) : std::string("duration"));
  t.min_duration = min;
  return t;
}

Type Address(int default_port, bool allow_empty_host) {
  std::string name = allow_empty_host ? "[host]:port" : "host:port";
  if (default_port > 0) name = "host[:port], port " + std::to_string(default_port) + " if omitted";
  return Str(name, [=](std::string_view s) -> Result<std::string> {
    auto hp = ParseHostPort(
        s, HostPortOptions{.default_port = default_port, .allow_empty_host = allow_empty_host});
    if (!hp) return hp.error();
    // Normalise only when a default port was added; otherwise keep the user's spelling.
    if (default_port > 0) return hp->ToString();
    return std::string(s);
  });
}

Type OneOf(std::vector<std::string> values) {
  // The empty value is listed as "" so it stays visible.
  std::vector<std::string> shown;
  for (const auto& v : values) shown.push_back(v.empty() ? "\"\"" : v);
  const std::string listed = Join(shown, ", ");
  std::string name = "one of " + listed;
  return Str(name, [values, listed](std::string_view s) -> Result<std::string> {
    if (std::find(values.begin(), values.end(), s) != values.end()) return std::string(s);
    return Error{"\"" + std::string(s) + "\" is not one of " + listed};
  });
}

Type Url(bool allow_empty) {
  return Str(allow_empty ? "http(s) URL or \"\"" : "http(s) URL",
             [allow_empty](std::string_view s) -> Result<std::string> {
               if (allow_empty && s.empty()) return std::string();
               auto st = CheckHttpUrl(s);
               if (!st) return st.error();
               return std::string(s);
             });
}

Type Cidr() {
  return Str("CIDR", [](std::string_view s) -> Result<std::string> {
    auto st = CheckCidr(s);
    if (!st) return st.error();
    return std::string(s);
  });
}

Type DnsName() {
  return Str("DNS name", [](std::string_view s) -> Result<std::string> {
    if (!IsValidHostName(s)) return Error{"\"" + std::string(s) + "\" is not a valid DNS name"};
    return std::string(s);
  });
}

Type NamespacedName() {
  return Str("namespace/name", [](std::string_view s) -> Result<std::string> {
    size_t slash = s.find('/');
    if (s.empty()) return std::string();
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == s.size() ||
        s.find('/', slash + 1) != std::string_view::npos) {
      return Error{"\"" + std::string(s) + "\" is not namespace/name"};
    }
    return std::string(s);
  });
}

Type StrList(Type element) {
  Type t = Make(Kind::kStringList, "list of " + element.name);
  t.check = element.check;
  return t;
}

Type StrMap(Type value) {
  Type t = Make(Kind::kStringMap, "map of string to " + value.name);
  t.check = value.check;
  return t;
}

Type Section() { return Make(Kind::kObject, "mapping"); }
Type Switch() {
  Type t = Make(Kind::kObject, "boolean or mapping");
  t.bool_shorthand = true;
  return t;
}
Type Items() { return Make(Kind::kObjectList, "list of mappings"); }

}  // namespace certwatch::schema
