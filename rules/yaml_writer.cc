#include "rules/yaml_writer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace certwatch {
namespace {

std::string Quoted(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool PlainKey(const std::string& key) {
  static constexpr std::array<std::string_view, 11> kReserved = {
      "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~", ""};
  std::string lower(key);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (std::find(kReserved.begin(), kReserved.end(), lower) != kReserved.end()) return false;
  if (!std::isalpha(static_cast<unsigned char>(key[0])) && key[0] != '_') return false;
  return std::all_of(key.begin(), key.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == '/';
  });
}

std::string Key(const std::string& key) { return PlainKey(key) ? key : Quoted(key); }

// Bytes, so below the spec's 1024 characters whatever the encoding.
constexpr size_t kMaxImplicitKey = 1000;

// A literal block keeps the text readable; only text without other control characters and
// without trailing spaces on lines (which some readers strip) qualifies.
// Text starting with a space or newline would need an indentation indicator; it is quoted.
bool LiteralBlock(const std::string& s) {
  if (s.find('\n') == std::string::npos || s[0] == ' ' || s[0] == '\n') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    if (c < 0x20 && c != '\n') return false;
    if (c == ' ' && (i + 1 == s.size() || s[i + 1] == '\n')) return false;
  }
  return true;
}

void WriteLiteral(const std::string& s, int indent, std::string& out) {
  size_t trailing = 0;
  while (trailing < s.size() && s[s.size() - 1 - trailing] == '\n') ++trailing;
  out += '|';
  out += trailing == 0 ? "-" : trailing == 1 ? "" : "+";
  out += '\n';
  std::string pad(indent, ' ');
  size_t start = 0;
  std::string body = s.substr(0, s.size() - trailing);
  while (start <= body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    if (end > start) out += pad + body.substr(start, end - start);
    out += '\n';
    start = end + 1;
  }
  for (size_t i = 1; i < trailing; ++i) out += '\n';
}

bool Scalar(const nlohmann::json& v) { return !v.is_structured() || v.empty(); }

// Writes a scalar or empty container after "key: " or "- "; `indent` is the block indent for a
// literal string.
void WriteScalar(const nlohmann::json& v, int indent, std::string& out) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (LiteralBlock(s)) {
      WriteLiteral(s, indent, out);
      return;
    }
    out += Quoted(s);
  } else if (v.is_object()) {
    out += "{}";
  } else if (v.is_array()) {
    out += "[]";
  } else {
    out += v.dump();
  }
  out += '\n';
}

void WriteNode(const nlohmann::json& v, int indent, std::string& out);

void WriteObject(const nlohmann::json& v, int indent, bool first_inline, std::string& out) {
  std::string pad(indent, ' ');
  bool first = true;
  for (const auto& [key, value] : v.items()) {
    if (!(first && first_inline)) out += pad;
    first = false;
    const std::string k = Key(key);
    if (k.size() > kMaxImplicitKey) {
      // YAML limits implicit keys to 1024 characters; longer ones need the explicit form.
      out += "? " + k + "\n" + pad + ":";
    } else {
      out += k + ":";
    }
    if (Scalar(value)) {
      out += ' ';
      WriteScalar(value, indent + 2, out);
    } else {
      out += '\n';
      // Sequences under a key are indented too (the style kubectl and promtool docs use).
      WriteNode(value, indent + 2, out);
    }
  }
}

void WriteArray(const nlohmann::json& v, int indent, std::string& out) {
  std::string pad(indent, ' ');
  for (const auto& item : v) {
    out += pad + "- ";
    if (Scalar(item)) {
      WriteScalar(item, indent + 2, out);
    } else if (item.is_object()) {
      WriteObject(item, indent + 2, true, out);
    } else {
      out += '\n';
      WriteArray(item, indent + 2, out);
    }
  }
}

void WriteNode(const nlohmann::json& v, int indent, std::string& out) {
  if (v.is_object()) {
    WriteObject(v, indent, false, out);
  } else if (v.is_array()) {
    WriteArray(v, indent, out);
  }
}

}  // namespace

std::string ToYaml(const nlohmann::json& document) {
  std::string out;
  if (Scalar(document)) {
    WriteScalar(document, 2, out);
  } else {
    WriteNode(document, 0, out);
  }
  return out;
}

}  // namespace certwatch
