// The strict decoder behind every schema: walks the YAML tree once, rejecting unknown keys,
// duplicate keys (yaml-cpp 0.7 keeps both silently), wrong types and bad values, each with
// its 1-based position (yaml-cpp's marks are 0-based), then applies the cross-field rules.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <span>
#include <sstream>
#include <unordered_map>

#include "common/strings.h"
#include "config/schema.h"

namespace certwatch::schema {
namespace {

constexpr size_t kMaxErrors = 20;

bool IsKind(const FieldRef& f, Kind kind) {
  const std::type_index t = f.type;
  switch (kind) {
    case Kind::kBool:
      return t == typeid(bool);
    case Kind::kInt:
      return t == typeid(int) || t == typeid(int64_t) || t == typeid(uint32_t) ||
             t == typeid(uint16_t);
    case Kind::kNumber:
      return t == typeid(double);
    case Kind::kString:
      return t == typeid(std::string);
    case Kind::kDuration:
      return t == typeid(certwatch::Duration);
    case Kind::kStringList:
      return t == typeid(std::vector<std::string>);
    case Kind::kStringMap:
      return t == typeid(std::vector<std::pair<std::string, std::string>>) ||
             t == typeid(std::map<std::string, std::string>);
    case Kind::kObject:
      return !f.locate;
    case Kind::kObjectList:
      return f.element != typeid(void) && static_cast<bool>(f.append);
  }
  return false;
}

std::string ParentPath(const std::string& path) {
  size_t dot = path.rfind('.');
  if (dot == std::string::npos) return "";
  std::string parent = path.substr(0, dot);
  if (parent.ends_with("[]")) parent.resize(parent.size() - 2);
  return parent;
}

// The path of the Items() row whose elements own `path`'s field, or "" for the root.
std::string OwnerListPath(const std::string& path) {
  size_t brackets = path.rfind("[]");
  if (brackets == std::string::npos) return "";
  return path.substr(0, brackets);
}

bool IsBoolLiteral(const std::string& s, bool* value) {
  if (s == "true" || s == "True" || s == "TRUE") {
    *value = true;
    return true;
  }
  if (s == "false" || s == "False" || s == "FALSE") {
    *value = false;
    return true;
  }
  return false;
}

bool IsIntLiteral(const std::string& s) {
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i == s.size()) return false;
  return std::all_of(s.begin() + i, s.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool ParseNumberLiteral(const std::string& s, double* v) {
  std::string_view sv = s;
  if (sv.starts_with('+')) sv.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(sv.data(), sv.data() + sv.size(), *v);
  return !sv.empty() && ec == std::errc() && ptr == sv.data() + sv.size() && std::isfinite(*v);
}

std::string FormatNumber(double v) {
  std::string s = std::to_string(v);
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  return s;
}

bool IsPlain(const YAML::Node& n) { return n.Tag() == "?"; }

// How an unexpected value is named in "want X, got Y".
std::string Describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "null";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      break;
  }
  const std::string& s = n.Scalar();
  if (IsPlain(n)) {
    bool b;
    double d;
    if (IsBoolLiteral(s, &b)) return "boolean " + s;
    if (IsIntLiteral(s)) return "integer " + s;
    if (ParseNumberLiteral(s, &d)) return "number " + s;
  }
  std::string shown = s.size() > 60 ? s.substr(0, 57) + "..." : s;
  return "string \"" + shown + "\"";
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

template <typename Int>
void StoreInt(void* p, int64_t v) {
  *static_cast<Int*>(p) = static_cast<Int>(v);
}

// Finds where each document starts without building it. yaml-cpp 0.7's LoadAll loops forever
// (allocating) on a stream that starts with ',' (jbeder/yaml-cpp#1040, fixed upstream by
// #1319): the parser reports a document without consuming the token. Callers stop after two
// documents; two starting at one position mean the parser is stuck.
class DocumentScan : public YAML::EventHandler {
 public:
  struct Doc {
    YAML::Mark start;
    YAML::Mark first_node = YAML::Mark::null_mark();
  };
  std::vector<Doc> docs;

  void OnDocumentStart(const YAML::Mark& mark) override { docs.push_back(Doc{mark}); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { Node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { Node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Node(mark);
  }
  void OnMapEnd() override {}

 private:
  void Node(const YAML::Mark& mark) {
    if (!docs.empty() && docs.back().first_node.line < 0) docs.back().first_node = mark;
  }
};

class Decoder {
 public:
  Decoder(const Schema& schema, const std::string& source) : schema_(schema), source_(source) {
    for (const Row& row : schema_.rows) {
      rows_[row.path] = &row;
      std::string parent = ParentPath(row.path);
      std::string key =
          row.path.substr(row.path.rfind('.') == std::string::npos ? 0 : row.path.rfind('.') + 1);
      // Children of a list's elements are listed under "list[]".
      std::string parent_pattern = parent;
      if (!parent.empty() && row.path.size() > parent.size() + 2 &&
          row.path.compare(parent.size(), 2, "[]") == 0) {
        parent_pattern += "[]";
      }
      children_[parent_pattern].push_back(key);
    }
    for (auto& [_, keys] : children_) std::sort(keys.begin(), keys.end());
  }

  Status Run(std::string_view yaml, void* root) {
    const std::string text(yaml);
    YAML::Node doc;
    try {
      DocumentScan scan;
      std::istringstream in(text);
      YAML::Parser parser(in);
      while (scan.docs.size() < 2 && parser.HandleNextDocument(scan)) {
      }
      if (scan.docs.size() == 2) {
        const YAML::Mark at = scan.docs[1].start;
        if (at.pos == scan.docs[0].start.pos) {  // the parser is stuck on a token
          std::string token = at.pos >= 0 && static_cast<size_t>(at.pos) < text.size()
                                  ? std::string(1, text[at.pos])
                                  : std::string();
          Fail(at, "", "YAML syntax error: unexpected \"" + token + "\"");
        } else {
          Fail(scan.docs[1].first_node.line >= 0 ? scan.docs[1].first_node : at, "",
               "only one YAML document is allowed");
        }
        return Finish();
      }
      doc = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
      Fail(e.mark, "", "YAML syntax error: " + e.msg);
      return Finish();
    } catch (const std::exception& e) {
      return Error{source_ + ": YAML: " + e.what()};
    }
    try {
      if (!doc.IsNull() && !doc.IsMap()) {
        Fail(doc.Mark(), "", "want a mapping at the top level, got " + Describe(doc));
        return Finish();
      }
      DecodeObject(doc, "", "", root, YAML::Mark());
      if (errors_.empty()) RunRules("", "", root, YAML::Mark());
    } catch (const std::exception& e) {
      // yaml-cpp throws on accessors only for programming errors; report, never crash.
      return Error{source_ + ": " + e.what()};
    }
    return Finish();
  }

 private:
  Status Finish() {
    if (errors_.empty()) return OkStatus();
    std::string msg = Join(std::span(errors_).first(std::min(errors_.size(), kMaxErrors)), "\n");
    if (errors_.size() > kMaxErrors) {
      msg += "\n(" + std::to_string(errors_.size() - kMaxErrors) + " more errors)";
    }
    return Error{msg};
  }

  void Fail(const YAML::Mark& mark, const std::string& path, const std::string& what) {
    std::string e = source_;
    if (mark.line >= 0 && mark.column >= 0) {
      e += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    }
    e += ": ";
    if (!path.empty()) e += path + ": ";
    e += what;
    errors_.push_back(std::move(e));
  }

  // Null values (`key:`) have yaml-cpp's mark of whatever follows; point at the key instead.
  static YAML::Mark ValueMark(const YAML::Node& n, const YAML::Mark& key_mark) {
    if (n.IsNull() || n.Mark().line < 0) return key_mark;
    return n.Mark();
  }

  void DecodeObject(const YAML::Node& node, const std::string& pattern, const std::string& path,
                    void* owner, const YAML::Mark& where) {
    std::set<std::string> present;
    if (node.IsMap()) {
      std::map<std::string, int> first_line;
      for (auto it = node.begin(); it != node.end(); ++it) {
        // Copies: `it->first` lives in a proxy that dies with the expression.
        const YAML::Node key = it->first;
        const YAML::Node value = it->second;
        if (!key.IsScalar()) {
          Fail(key.Mark(), path, "keys must be strings, got " + Describe(key));
          continue;
        }
        const std::string& name = key.Scalar();
        std::string child_path = path.empty() ? name : path + "." + name;
        auto [seen, inserted] = first_line.emplace(name, key.Mark().line + 1);
        if (!inserted) {
          Fail(key.Mark(), child_path,
               "duplicate key (first at line " + std::to_string(seen->second) + ")");
          continue;
        }
        marks_[child_path] = key.Mark();
        std::string child_pattern = pattern.empty() ? name : pattern + "." + name;
        auto row = rows_.find(child_pattern);
        if (row == rows_.end()) {
          Fail(key.Mark(), child_path, UnknownKey(name, pattern));
          continue;
        }
        if (!value.IsNull()) present.insert(name);
        DecodeValue(value, *row->second, child_path, owner, key.Mark());
      }
    } else if (!node.IsNull()) {
      Fail(node.Mark(), path, "want a mapping, got " + Describe(node));
      return;
    }
    for (const std::string& key : children_[pattern]) {
      const Row* row = rows_[pattern.empty() ? key : pattern + "." + key];
      if (row->type.required && !present.contains(key)) {
        Fail(where, path, "missing required key \"" + key + "\"");
      }
    }
  }

  std::string UnknownKey(const std::string& name, const std::string& pattern) {
    const auto& allowed = children_[pattern];
    std::string msg = "unknown key";
    std::string best;
    size_t best_distance = 3;  // suggest only close misspellings
    for (const auto& k : allowed) {
      size_t d = EditDistance(name, k);
      if (d < best_distance) {
        best_distance = d;
        best = k;
      }
    }
    if (!best.empty()) msg += " (did you mean " + best + "?)";
    msg += "; allowed keys: ";
    for (size_t i = 0; i < allowed.size(); ++i) msg += (i ? ", " : "") + allowed[i];
    return msg;
  }

  // Checks a scalar string value with the row's check; returns false after failing.
  bool CheckString(const YAML::Node& n, const Type& type, const std::string& path,
                   const YAML::Mark& key_mark, std::string* out) {
    if (!n.IsScalar()) {
      Fail(ValueMark(n, key_mark), path, "want a " + type.name + ", got " + Describe(n));
      return false;
    }
    if (!type.check) {
      *out = n.Scalar();
      return true;
    }
    auto r = type.check(n.Scalar());
    if (!r) {
      Fail(n.Mark(), path, r.error().message);
      return false;
    }
    *out = std::move(*r);
    return true;
  }

  void DecodeValue(const YAML::Node& n, const Row& row, const std::string& path, void* owner,
                   const YAML::Mark& key_mark) {
    if (n.IsNull()) return;  // `key:` or `key: null` keeps the default
    const Type& type = row.type;
    void* field = row.field.locate ? row.field.locate(owner) : nullptr;
    const YAML::Mark mark = ValueMark(n, key_mark);
    switch (type.kind) {
      case Kind::kBool: {
        bool v;
        if (!n.IsScalar() || !IsPlain(n) || !IsBoolLiteral(n.Scalar(), &v)) {
          Fail(mark, path, "want a boolean (true or false), got " + Describe(n));
          return;
        }
        *static_cast<bool*>(field) = v;
        return;
      }
      case Kind::kInt: {
        if (!n.IsScalar() || !IsPlain(n) || !IsIntLiteral(n.Scalar())) {
          Fail(mark, path, "want an integer, got " + Describe(n));
          return;
        }
        std::string_view s = n.Scalar();
        if (s.starts_with('+')) s.remove_prefix(1);
        int64_t v = 0;
        auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || v < type.min_int || v > type.max_int) {
          Fail(mark, path,
               "must be between " + std::to_string(type.min_int) + " and " +
                   std::to_string(type.max_int) + ", got " + n.Scalar());
          return;
        }
        const std::type_index t = row.field.type;
        if (t == typeid(int)) StoreInt<int>(field, v);
        if (t == typeid(int64_t)) StoreInt<int64_t>(field, v);
        if (t == typeid(uint32_t)) StoreInt<uint32_t>(field, v);
        if (t == typeid(uint16_t)) StoreInt<uint16_t>(field, v);
        return;
      }
      case Kind::kNumber: {
        double v = 0;
        if (!n.IsScalar() || !IsPlain(n) || !ParseNumberLiteral(n.Scalar(), &v)) {
          Fail(mark, path, "want a number, got " + Describe(n));
          return;
        }
        if (v < type.min_number || v > type.max_number) {
          Fail(mark, path,
               "must be between " + FormatNumber(type.min_number) + " and " +
                   FormatNumber(type.max_number) + ", got " + n.Scalar());
          return;
        }
        *static_cast<double*>(field) = v;
        return;
      }
      case Kind::kString: {
        std::string v;
        if (CheckString(n, type, path, key_mark, &v)) *static_cast<std::string*>(field) = v;
        return;
      }
      case Kind::kDuration: {
        if (!n.IsScalar()) {
          Fail(mark, path, "want a duration (e.g. 90s, 15m, 14d), got " + Describe(n));
          return;
        }
        auto d = ParseDuration(n.Scalar());
        if (!d) {
          Fail(mark, path, d.error().message);
          return;
        }
        if (*d < type.min_duration) {
          Fail(mark, path,
               "must be at least " + FormatDuration(type.min_duration) + ", got " + n.Scalar());
          return;
        }
        *static_cast<certwatch::Duration*>(field) = *d;
        return;
      }
      case Kind::kStringList: {
        if (!n.IsSequence()) {
          Fail(mark, path, "want a " + type.name + ", got " + Describe(n));
          return;
        }
        std::vector<std::string> values;
        std::map<std::string, int> first_line;
        Type element = type;
        element.name = type.name.substr(std::string("list of ").size());
        for (size_t i = 0; i < n.size(); ++i) {
          std::string item_path = path + "[" + std::to_string(i) + "]";
          std::string v;
          if (!CheckString(n[i], element, item_path, mark, &v)) continue;
          auto [seen, inserted] = first_line.emplace(v, n[i].Mark().line + 1);
          if (!inserted) {
            Fail(n[i].Mark(), item_path,
                 "duplicate value \"" + v + "\" (first at line " + std::to_string(seen->second) +
                     ")");
            continue;
          }
          values.push_back(std::move(v));
        }
        *static_cast<std::vector<std::string>*>(field) = std::move(values);
        return;
      }
      case Kind::kStringMap: {
        if (!n.IsMap()) {
          Fail(mark, path, "want a mapping, got " + Describe(n));
          return;
        }
        std::vector<std::pair<std::string, std::string>> entries;
        std::map<std::string, int> first_line;
        Type value_type = type;
        value_type.name = type.name.substr(std::string("map of string to ").size());
        for (auto it = n.begin(); it != n.end(); ++it) {
          const YAML::Node key = it->first;
          const YAML::Node value = it->second;
          if (!key.IsScalar()) {
            Fail(key.Mark(), path, "keys must be strings, got " + Describe(key));
            continue;
          }
          const std::string k = key.Scalar();
          std::string entry_path = path + "." + k;
          auto [seen, inserted] = first_line.emplace(k, key.Mark().line + 1);
          if (!inserted) {
            Fail(key.Mark(), entry_path,
                 "duplicate key (first at line " + std::to_string(seen->second) + ")");
            continue;
          }
          marks_[entry_path] = key.Mark();
          std::string v;
          if (value.IsNull()) {
            Fail(key.Mark(), entry_path, "want a " + value_type.name + ", got null");
            continue;
          }
          if (!CheckString(value, value_type, entry_path, key.Mark(), &v)) continue;
          entries.emplace_back(k, std::move(v));
        }
        if (row.field.type == typeid(std::map<std::string, std::string>)) {
          auto& m = *static_cast<std::map<std::string, std::string>*>(field);
          m.clear();
          for (auto& [k, v] : entries) m[k] = v;
        } else {
          *static_cast<std::vector<std::pair<std::string, std::string>>*>(field) =
              std::move(entries);
        }
        return;
      }
      case Kind::kObject:
        if (type.bool_shorthand && n.IsScalar()) {
          // `key: true` is `key: {enabled: true}`.
          bool v;
          if (!IsPlain(n) || !IsBoolLiteral(n.Scalar(), &v)) {
            Fail(mark, path, "want true, false or a mapping, got " + Describe(n));
            return;
          }
          const Row& enabled = *rows_.at(row.path + ".enabled");
          *static_cast<bool*>(enabled.field.locate(owner)) = v;
          return;
        }
        DecodeObject(n, row.path, path, owner, mark);
        return;
      case Kind::kObjectList: {
        if (!n.IsSequence()) {
          Fail(mark, path, "want a list, got " + Describe(n));
          return;
        }
        row.field.clear(owner);
        for (size_t i = 0; i < n.size(); ++i) {
          std::string item_path = path + "[" + std::to_string(i) + "]";
          const YAML::Node item = n[i];
          YAML::Mark item_mark = ValueMark(item, mark);
          marks_[item_path] = item_mark;
          void* element = row.field.append(owner);
          size_t errors_before = errors_.size();
          if (item.IsNull()) {
            Fail(item_mark, item_path, "want a mapping, got null");
            continue;
          }
          DecodeObject(item, row.path + "[]", item_path, element, item_mark);
          if (errors_.size() == errors_before) {
            RunRules(row.path + "[]", item_path, element, item_mark);
          }
        }
        return;
      }
    }
  }

  void RunRules(const std::string& pattern, const std::string& path, const void* object,
                const YAML::Mark& object_mark) {
    auto abs = [&](std::string_view key) {
      return path.empty() ? std::string(key) : path + "." + std::string(key);
    };
    RuleContext ctx{[&](std::string_view key) {
      auto it = marks_.find(abs(key));
      return it == marks_.end() ? 0 : it->second.line + 1;
    }};
    for (const Rule& rule : schema_.rules) {
      if (rule.path != pattern) continue;
      auto err = rule.check(object, ctx);
      if (!err) continue;
      std::string key_path = err->key.empty() ? path : abs(err->key);
      // Point at the key if it was in the file, else at the nearest enclosing key.
      YAML::Mark mark = object_mark;
      for (std::string p = key_path; !p.empty();) {
        auto it = marks_.find(p);
        if (it != marks_.end()) {
          mark = it->second;
          break;
        }
        size_t cut = p.find_last_of(".[");
        p = cut == std::string::npos ? "" : p.substr(0, cut);
      }
      if (mark.line < 0) mark = YAML::Mark();  // rule on a key absent from the file
      Fail(mark, key_path, err->message);
    }
  }

  const Schema& schema_;
  const std::string& source_;
  std::unordered_map<std::string, const Row*> rows_;
  std::map<std::string, std::vector<std::string>> children_;  // pattern -> sorted child keys
  std::unordered_map<std::string, YAML::Mark> marks_;         // key path -> mark of the key
  std::vector<std::string> errors_;
};

}  // namespace

Status CheckSchema(const Schema& schema) {
  std::map<std::string, const Row*> rows;
  for (const Row& row : schema.rows) {
    if (!rows.emplace(row.path, &row).second) return Error{"schema: duplicate row " + row.path};
  }
  for (const Row& row : schema.rows) {
    auto bad = [&](const std::string& why) { return Error{"schema: " + row.path + ": " + why}; };
    std::string parent = ParentPath(row.path);
    bool under_list = row.path.size() > parent.size() + 2 && !parent.empty() &&
                      row.path.compare(parent.size(), 2, "[]") == 0;
    if (!parent.empty()) {
      auto p = rows.find(parent);
      if (p == rows.end()) return bad("no row for parent " + parent);
      Kind want = under_list ? Kind::kObjectList : Kind::kObject;
      if (p->second->type.kind != want) return bad("parent " + parent + " has the wrong kind");
    }
    if (!IsKind(row.field, row.type.kind)) return bad("field type does not match the row type");
    if (row.type.bool_shorthand) {
      auto enabled = rows.find(row.path + ".enabled");
      if (enabled == rows.end() || enabled->second->type.kind != Kind::kBool) {
        return bad("a Switch() needs a boolean row " + row.path + ".enabled");
      }
    }
    if (row.type.kind == Kind::kObject) continue;
    std::string list = OwnerListPath(row.path);
    std::type_index want_owner = schema.root;
    if (!list.empty()) want_owner = rows.at(list)->field.element;
    if (row.field.owner != want_owner) return bad("field does not belong to the owning struct");
  }
  for (const Rule& rule : schema.rules) {
    std::type_index want_owner = schema.root;
    if (!rule.path.empty()) {
      if (!rule.path.ends_with("[]")) return Error{"schema: rule path must be \"\" or \"x[]\""};
      auto list = rows.find(rule.path.substr(0, rule.path.size() - 2));
      if (list == rows.end() || list->second->type.kind != Kind::kObjectList) {
        return Error{"schema: rule on unknown list " + rule.path};
      }
      want_owner = list->second->field.element;
    }
    if (rule.owner != want_owner) return Error{"schema: rule " + rule.path + ": wrong type"};
  }
  return OkStatus();
}

Status Decode(const Schema& schema, std::string_view yaml, const std::string& source, void* root) {
  if (auto ok = CheckSchema(schema); !ok) return ok;
  return Decoder(schema, source).Run(yaml, root);
}

}  // namespace certwatch::schema
