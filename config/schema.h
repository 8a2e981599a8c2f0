// A schema is one table of rows: key path, type, field, description. The strict YAML decoder
// (config/yaml_strict.cc), `certwatch check-config` and the configuration reference
// (config/REFERENCE.md, `certwatch config-reference`) all read the same table, so a key cannot
// be parsed without being documented or documented without being parsed.
//
// Adding a key is one row in the table of config/schema.cc:
//
//   {"tls_probes.max_concurrency", Int(1, 65536), M(&Config::tls_probes,
//    &TlsProbesConfig::max_concurrency), "Handshakes in flight at once."},
//
// Path syntax: keys joined by '.', "[]" after a key whose value is a list of mappings; rows
// under "x[]" bind to fields of the list's element type (M(&TlsTargetConfig::address)).
// Every parent path needs its own row (Section() or Items()), which carries the section's doc.
// A fifth, optional column overrides the default shown in the reference
// ("host of address") when the member initialiser does not tell the whole story.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeindex>
#include <utility>
#include <vector>

#include "common/duration.h"
#include "common/result.h"

namespace certwatch::schema {

enum class Kind {
  kBool,        // bool
  kInt,         // int, int64_t, uint32_t, uint16_t
  kNumber,      // double
  kString,      // std::string
  kDuration,    // certwatch::Duration
  kStringList,  // std::vector<std::string>
  kStringMap,   // std::vector<std::pair<std::string, std::string>> or std::map<std::string, ...>
  kObject,      // a mapping of further rows; no field of its own
  kObjectList,  // std::vector<Struct>; rows "path[].key" bind to Struct
};

// Validates one string (a kString value, a list element, a map value) and may normalise it
// ("8.8.8.8" -> "8.8.8.8:53"). The error message is the "what is wrong" part.
using StringCheck = std::function<Result<std::string>(std::string_view)>;

struct Type {
  Kind kind = Kind::kString;
  std::string name;   // as shown in the reference: "duration", "host:port", ...
  StringCheck check;  // kString, kStringList elements, kStringMap values; empty = any string
  int64_t min_int = 0, max_int = 0;
  double min_number = 0, max_number = 0;
  certwatch::Duration min_duration{0};
  bool required = false;  // the key must be present (with a non-null value)
  // Switch(): a Section that also takes `true`/`false`, shorthand for its `enabled` row.
  bool bool_shorthand = false;

  Type Required() const {
    Type t = *this;
    t.required = true;
    return t;
  }
};

Type Bool();
Type Int(int64_t min, int64_t max);
Type Number(double min, double max);
Type Str();
// A string checked by `check`; `name` is how the reference names the type.
Type Str(std::string name, StringCheck check);
Type Dur(certwatch::Duration min = certwatch::Duration(0));
// host:port; IPv6 in brackets. default_port > 0 allows "host" alone and appends the port.
Type Address(int default_port = 0, bool allow_empty_host = false);
Type OneOf(std::vector<std::string> values);  // include "" to allow the empty string
Type Url(bool allow_empty = false);           // http:// or https:// with a host
Type Cidr();                                  // 10.0.0.0/8, fd00::/8
Type DnsName();                               // example.test, sub.example.test.
Type NamespacedName();                        // "namespace/name"
Type StrList(Type element = Str());           // elements must be distinct
Type StrMap(Type value = Str());
Type Section();  // a mapping whose keys are further rows
// A Section whose value may also be a boolean: `key: true` means `key: {enabled: true}`. It
// needs a Bool() row "key.enabled".
Type Switch();
Type Items();  // a list of mappings whose keys are rows "path[].key"

// Where a row's value lives: a chain of member pointers from the owner struct (the schema's
// root type, or the element type of the nearest enclosing Items() row).
struct FieldRef {
  std::type_index owner = typeid(void);
  std::type_index type = typeid(void);
  std::function<void*(void*)> locate;
  // Items() fields only: the element type, append a default element, clear the list, make a
  // default element (for the reference's defaults).
  std::type_index element = typeid(void);
  std::function<void*(void*)> append;
  std::function<void(void*)> clear;
  std::function<std::shared_ptr<void>()> make_element;
};

namespace detail {
template <typename M>
struct MemberTraits;
template <typename C, typename T>
struct MemberTraits<T C::*> {
  using Class = C;
};
template <typename Obj, typename First, typename... Rest>
auto& Follow(Obj& obj, First first, Rest... rest) {
  auto& next = obj.*first;
  if constexpr (sizeof...(Rest) == 0) {
    return next;
  } else {
    return Follow(next, rest...);
  }
}
template <typename T>
struct VectorOf {
  using Element = void;
};
template <typename E, typename A>
struct VectorOf<std::vector<E, A>> {
  using Element = E;
};
}  // namespace detail

// M(&Config::web, &WebConfig::listen_address): the field reached by following the members.
template <typename First, typename... Rest>
FieldRef M(First first, Rest... rest) {
  using Owner = typename detail::MemberTraits<First>::Class;
  using T =
      std::remove_reference_t<decltype(detail::Follow(std::declval<Owner&>(), first, rest...))>;
  FieldRef f;
  f.owner = typeid(Owner);
  f.type = typeid(T);
  f.locate = [=](void* o) -> void* {
    return &detail::Follow(*static_cast<Owner*>(o), first, rest...);
  };
  using E = typename detail::VectorOf<T>::Element;
  if constexpr (std::is_class_v<E> && !std::is_same_v<E, std::string>) {
    f.element = typeid(E);
    f.append = [=](void* o) -> void* {
      auto& v = detail::Follow(*static_cast<Owner*>(o), first, rest...);
      v.emplace_back();
      return &v.back();
    };
    f.clear = [=](void* o) { detail::Follow(*static_cast<Owner*>(o), first, rest...).clear(); };
    f.make_element = [] { return std::static_pointer_cast<void>(std::make_shared<E>()); };
  }
  return f;
}

struct Row {
  Row(std::string path, Type type, FieldRef field, std::string doc, std::string shown_default = "")
      : path(std::move(path)),
        type(std::move(type)),
        field(std::move(field)),
        doc(std::move(doc)),
        shown_default(std::move(shown_default)) {}

  std::string path;
  Type type;
  FieldRef field;  // {} for Section()
  std::string doc;
  std::string shown_default;  // "" = rendered from the member initialiser
};

// A cross-field rule, checked after the object at `path` ("" = the root, "x[]" = each element
// of list x) has decoded without errors. It names the offending key relative to that object
// ("client_cert_file", "targets[2].address"), which the error message points at.
struct RuleError {
  std::string key;
  std::string message;
};
struct RuleContext {
  // 1-based line of a key relative to the rule's object; 0 if the key was not in the file.
  std::function<int(std::string_view key)> line;
};
struct Rule {
  std::string path;
  std::type_index owner = typeid(void);
  std::string doc;  // one sentence for the reference
  std::function<std::optional<RuleError>(const void*, const RuleContext&)> check;
};

template <typename T>
Rule MakeRule(std::string path, std::string doc,
              std::function<std::optional<RuleError>(const T&, const RuleContext&)> check) {
  return Rule{std::move(path), typeid(T), std::move(doc),
              [check = std::move(check)](const void* o, const RuleContext& ctx) {
                return check(*static_cast<const T*>(o), ctx);
              }};
}

struct Schema {
  std::string title;  // "certwatch configuration"
  std::type_index root = typeid(void);
  std::function<std::shared_ptr<void>()> make_root;
  std::vector<Row> rows;
  std::vector<Rule> rules;
};

template <typename Root>
Schema MakeSchema(std::string title, std::vector<Row> rows, std::vector<Rule> rules) {
  return Schema{std::move(title), typeid(Root),
                [] { return std::static_pointer_cast<void>(std::make_shared<Root>()); },
                std::move(rows), std::move(rules)};
}

// Programming errors in a table: a parent without a row, a field of the wrong C++ type or
// owner, a rule on an unknown path. Every decode checks this first; a unit test too.
Status CheckSchema(const Schema& schema);

// Decodes `yaml` strictly into `*root` (which must be of the schema's root type and hold the
// defaults). Errors, one per line, are "SOURCE:LINE:COLUMN: key.path: what is wrong".
Status Decode(const Schema& schema, std::string_view yaml, const std::string& source, void* root);

template <typename Root>
Status DecodeInto(const Schema& schema, std::string_view yaml, const std::string& source,
                  Root& root) {
  if (schema.root != typeid(Root)) return Error{"schema root type mismatch"};
  return Decode(schema, yaml, source, &root);
}

// The table as Markdown: one section per top-level key, with key, type, default and
// description, then the cross-field rules.
std::string RenderReference(const Schema& schema, std::string_view intro);

}  // namespace certwatch::schema

namespace certwatch {
struct Config;
// The schema of the certwatch config file (config/schema.cc).
const schema::Schema& ConfigSchema();
// config/REFERENCE.md, as printed by `certwatch config-reference`.
std::string ConfigReferenceMarkdown();
}  // namespace certwatch
