// Renders a schema as Markdown: the configuration reference (config/REFERENCE.md).
#include <map>
#include <sstream>

#include "config/schema.h"
#include "config/web_config.h"

namespace certwatch::schema {
namespace {

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

std::string FormatDefault(const Row& row, void* owner) {
  if (!row.shown_default.empty()) return row.shown_default;
  if (row.type.kind == Kind::kObject) return "";
  void* p = row.field.locate(owner);
  const std::type_index t = row.field.type;
  switch (row.type.kind) {
    case Kind::kBool:
      return *static_cast<bool*>(p) ? "true" : "false";
    case Kind::kInt:
      if (t == typeid(int)) return std::to_string(*static_cast<int*>(p));
      if (t == typeid(int64_t)) return std::to_string(*static_cast<int64_t*>(p));
      if (t == typeid(uint32_t)) return std::to_string(*static_cast<uint32_t*>(p));
      return std::to_string(*static_cast<uint16_t*>(p));
    case Kind::kNumber: {
      std::ostringstream out;
      out.precision(6);
      out << *static_cast<double*>(p);
      return out.str();
    }
    case Kind::kString:
      return Quote(*static_cast<std::string*>(p));
    case Kind::kDuration:
      return FormatDuration(*static_cast<certwatch::Duration*>(p));
    case Kind::kStringList: {
      std::string out = "[";
      const auto& v = *static_cast<std::vector<std::string>*>(p);
      for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + Quote(v[i]);
      return out + "]";
    }
    case Kind::kStringMap: {
      std::string out = "{";
      auto add = [&](const std::string& k, const std::string& v) {
        out += (out.size() > 1 ? ", " : "") + k + ": " + Quote(v);
      };
      if (t == typeid(std::map<std::string, std::string>)) {
        for (const auto& [k, v] : *static_cast<std::map<std::string, std::string>*>(p)) add(k, v);
      } else {
        for (const auto& [k, v] :
             *static_cast<std::vector<std::pair<std::string, std::string>>*>(p)) {
          add(k, v);
        }
      }
      return out + "}";
    }
    case Kind::kObjectList:
      return "[]";
    case Kind::kObject:
      break;
  }
  return "";
}

std::string Cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string RenderReference(const Schema& schema, std::string_view intro) {
  // Defaults come from default-constructed owners: the root, and one element per list.
  std::shared_ptr<void> root = schema.make_root();
  std::map<std::string, std::shared_ptr<void>> elements;
  for (const Row& row : schema.rows) {
    if (row.type.kind == Kind::kObjectList) elements[row.path] = row.field.make_element();
  }
  std::ostringstream out;
  out << "# " << schema.title << " reference\n\n" << intro << "\n";
  for (const Row& row : schema.rows) {
    bool top = row.path.find('.') == std::string::npos && row.path.find("[]") == std::string::npos;
    if (top) {
      out << "\n## `" << row.path << "`\n\n" << row.doc << "\n\n";
      out << "| key | type | default | description |\n|---|---|---|---|\n";
      if (row.type.kind == Kind::kObject) continue;
    }
    void* owner = root.get();
    size_t brackets = row.path.rfind("[]");
    if (brackets != std::string::npos) owner = elements[row.path.substr(0, brackets)].get();
    std::string type = row.type.name + (row.type.required ? ", required" : "");
    std::string def = FormatDefault(row, owner);
    out << "| `" << Cell(row.path) << "` | " << Cell(type) << " | "
        << (def.empty() ? "" : "`" + Cell(def) + "`") << " | " << Cell(row.doc) << " |\n";
  }
  if (!schema.rules.empty()) {
    out << "\n## Rules across keys\n\n";
    for (const Rule& rule : schema.rules) {
      out << "- " << (rule.path.empty() ? "" : "`" + rule.path + "`: ") << rule.doc << "\n";
    }
  }
  return out.str();
}

}  // namespace certwatch::schema

namespace certwatch {

// The main config's reference, then the web config file's.
std::string ConfigReferenceMarkdown() {
  return schema::RenderReference(
             ConfigSchema(),
             "Generated from the schema table in `config/schema.cc` by `certwatch "
             "config-reference`; "
             "do not edit by hand.\n\n"
             "Every key is optional unless marked required. Unknown keys, duplicate keys, wrong "
             "types "
             "and bad values are errors reported as `FILE:LINE:COLUMN: key.path: what is wrong` by "
             "`certwatch check-config FILE` and at start (exit code 2). A key with no value "
             "(`key:` or "
             "`key: null`) keeps its default. Booleans are `true` or `false` (not yes/no/on/off); "
             "integers and numbers are unquoted; durations use Prometheus syntax (`500ms`, `90s`, "
             "`15m`, `1h30m`, `14d`, `2w`). A list given in the file replaces the default list.") +
         "\n" + WebConfigReferenceMarkdown();
}

}  // namespace certwatch
