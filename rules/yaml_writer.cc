#include "rules/yaml_writer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <optional>
#include <string_view>

namespace certwatch {
namespace {

// The code point of the UTF-8 sequence at s[i], advancing i past it; nullopt (i unchanged)
// for bytes that are not UTF-8: a truncated or overlong sequence, a surrogate, beyond U+10FFFF.
std::optional<char32_t> NextCodePoint(std::string_view s, size_t& i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return char32_t(s[i++]);
  size_t length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
  if (length == 0 || lead > 0xf4 || i + length > s.size()) return std::nullopt;
  char32_t cp = lead & (0x7f >> length);
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (byte(i + k) & 0x3f);
  }
  static constexpr char32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kSmallest[length] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    return std::nullopt;
  }
  i += length;
  return cp;
}

// Characters that may appear as they are in a plain or block scalar, for every reader: YAML's
// printable set without DEL, the C1 controls, NEL and U+2028/U+2029 (line breaks in YAML 1.1,
// so PyYAML folds them), the byte order mark and the non-characters U+FFFE/U+FFFF.
bool WrittenAsIs(char32_t c) {
  if (c < 0x20 || c == 0x7f) return false;
  if (c >= 0x80 && c <= 0x9f) return false;
  return c != 0x2028 && c != 0x2029 && c != 0xfeff && c != 0xfffe && c != 0xffff;
}

// Text that is UTF-8 and, apart from line feeds where allowed, only characters WrittenAsIs.
bool PrintableText(std::string_view s, bool allow_line_feeds) {
  for (size_t i = 0; i < s.size();) {
    auto c = NextCodePoint(s, i);
    if (!c) return false;
    if (!WrittenAsIs(*c) && !(allow_line_feeds && *c == '\n')) return false;
  }
  return true;
}

std::string Lower(std::string_view s) {
  std::string lower(s);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

bool Digit(char c) { return c >= '0' && c <= '9'; }

// A number to some YAML reader. YAML 1.2's core schema (yaml-cpp, go-yaml v3, Prometheus) has
// decimal ints, 0o and 0x ints, floats with an optional dot and exponent, .inf and .nan; YAML 1.1
// (PyYAML, go-yaml v2 under kubectl) adds 0b ints, octal as 012, '_' between digits,
// sexagesimal 1:20 and 1:20.5, and floats such as 1.2.3. This accepts a superset of all of them:
// quoting a string that no reader would have typed costs two characters.
bool LooksLikeNumber(std::string_view s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  if (s.empty()) return false;
  const std::string lower = Lower(s);
  for (std::string_view word : {".inf", ".nan", "inf", "nan", "infinity", ".infinity"}) {
    if (lower == word) return true;
  }
  if (lower.size() > 2 && lower[0] == '0' &&
      (lower[1] == 'x' || lower[1] == 'o' || lower[1] == 'b')) {
    return std::all_of(lower.begin() + 2, lower.end(), [](char c) {
      return std::isxdigit(static_cast<unsigned char>(c)) || c == '_';
    });
  }
  size_t i = 0;
  bool digits = false;
  // Mantissa: digits with '_' and sexagesimal ':', then a dot and more digits and dots.
  while (i < lower.size() && (Digit(lower[i]) || lower[i] == '_' || lower[i] == ':')) {
    digits |= Digit(lower[i++]);
  }
  if (i < lower.size() && lower[i] == '.') {
    ++i;
    while (i < lower.size() && (Digit(lower[i]) || lower[i] == '_' || lower[i] == '.')) {
      digits |= Digit(lower[i++]);
    }
  }
  // No digit at all: "." and "_" match YAML 1.1's float pattern on paper.
  if (!digits) return i == lower.size();
  if (i < lower.size() && lower[i] == 'e') {
    ++i;
    if (i < lower.size() && (lower[i] == '+' || lower[i] == '-')) ++i;
    const size_t exponent = i;
    while (i < lower.size() && Digit(lower[i])) ++i;
    if (i == exponent) return false;
  }
  return i == lower.size();
}

// YAML 1.1 timestamps start with a date, 2001-12-14 or 2001-1-2.
bool LooksLikeTimestamp(std::string_view s) {
  return s.size() >= 6 && Digit(s[0]) && Digit(s[1]) && Digit(s[2]) && Digit(s[3]) && s[4] == '-' &&
         Digit(s[5]);
}

// Words a reader types: null and booleans of YAML 1.1 and 1.2 in any case, the YAML 1.1 merge
// key "<<" and value key "=" (PyYAML's safe loader refuses both).
bool ReservedWord(std::string_view s) {
  static constexpr std::array<std::string_view, 12> kWords = {
      "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n", "<<", "="};
  const std::string lower = Lower(s);
  return std::find(kWords.begin(), kWords.end(), lower) != kWords.end();
}

// Double-quoted, escaping what JSON escapes (its escapes are valid YAML) and also every
// character that is not WrittenAsIs; bytes that are not UTF-8 become U+FFFD.
std::string Quoted(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const size_t start = i;
    auto c = NextCodePoint(s, i);
    if (!c) {
      out += "\uFFFD";
      ++i;
      continue;
    }
    switch (*c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (WrittenAsIs(*c)) {
          out.append(s.substr(start, i - start));
        } else {
          char escape[8];
          std::snprintf(escape, sizeof escape, "\\u%04X", static_cast<unsigned>(*c));
          out += escape;
        }
    }
  }
  return out + "\"";
}

std::string Key(const std::string& key) { return NeedsQuotes(key) ? Quoted(key) : key; }

// Bytes, so below the spec's 1024 characters whatever the encoding.
constexpr size_t kMaxImplicitKey = 1000;

// A literal block keeps the text readable; only text whose other characters are all
// WrittenAsIs and without trailing spaces on lines (which some readers strip) qualifies.
// Text starting with a space or newline would need an indentation indicator; it is quoted.
bool LiteralBlock(const std::string& s) {
  if (s.find('\n') == std::string::npos || s[0] == ' ' || s[0] == '\n') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ' ' && (i + 1 == s.size() || s[i + 1] == '\n')) return false;
  }
  return PrintableText(s, /*allow_line_feeds=*/true);
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
    out += NeedsQuotes(s) ? Quoted(s) : s;
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

bool NeedsQuotes(std::string_view s) {
  if (s.empty() || ReservedWord(s) || LooksLikeNumber(s) || LooksLikeTimestamp(s)) return true;
  // Indicators that start other syntax (a sequence entry, a key, a flow collection, a comment,
  // an anchor, alias or tag, a block scalar, a quoted scalar, a directive, reserved ones).
  static constexpr std::string_view kLeadingIndicators = "-?:,[]{}#&*!|>'\"%@`";
  if (kLeadingIndicators.find(s.front()) != std::string_view::npos) return true;
  // White space at either end is stripped; "..." at the start of a line ends a document.
  if (s.front() == ' ' || s.back() == ' ' || s.starts_with("...")) return true;
  // ": " makes a mapping, " #" a comment, a trailing ':' a key.
  if (s.find(": ") != std::string_view::npos || s.find(" #") != std::string_view::npos ||
      s.back() == ':') {
    return true;
  }
  // Control characters (tabs and line breaks among them) and what no reader takes as it is.
  return !PrintableText(s, /*allow_line_feeds=*/false);
}

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
