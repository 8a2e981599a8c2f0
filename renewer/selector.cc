#include "renewer/selector.h"

#include <algorithm>
#include <cctype>

#include "common/strings.h"

namespace certwatch::renewer {
namespace {

// Kubernetes label selectors allow spaces around terms and operators, not other whitespace.
std::string_view TrimSpaces(std::string_view s) { return Trim(s, " "); }

// Splits on commas that are not inside parentheses.
std::vector<std::string_view> SplitTerms(std::string_view s) {
  std::vector<std::string_view> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '(') ++depth;
    if (s[i] == ')') --depth;
    if (s[i] == ',' && depth == 0) {
      out.push_back(TrimSpaces(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  out.push_back(TrimSpaces(s.substr(start)));
  return out;
}

bool ValidKey(std::string_view k) {
  if (k.empty() || k.size() > 316) return false;
  return std::all_of(k.begin(), k.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == '/';
  });
}

}  // namespace

Result<Selector> Selector::Parse(std::vector<std::string> namespaces, std::string_view labels) {
  Selector sel;
  sel.namespaces_ = std::move(namespaces);
  sel.text_ = std::string(labels);
  if (TrimSpaces(labels).empty()) return sel;
  for (std::string_view term : SplitTerms(labels)) {
    auto bad = [&](std::string_view why) {
      return Error{"label selector \"" + std::string(labels) + "\": \"" + std::string(term) +
                   "\": " + std::string(why)};
    };
    if (term.empty()) return bad("empty requirement");
    Requirement r;
    size_t pos;
    if (term.front() == '!') {
      r.key = std::string(TrimSpaces(term.substr(1)));
      r.op = Op::kNotExists;
    } else if ((pos = term.find("!=")) != std::string_view::npos) {
      r.key = std::string(TrimSpaces(term.substr(0, pos)));
      r.op = Op::kNotEquals;
      r.values = {std::string(TrimSpaces(term.substr(pos + 2)))};
    } else if ((pos = term.find("==")) != std::string_view::npos) {
      r.key = std::string(TrimSpaces(term.substr(0, pos)));
      r.op = Op::kEquals;
      r.values = {std::string(TrimSpaces(term.substr(pos + 2)))};
    } else if ((pos = term.find('=')) != std::string_view::npos) {
      r.key = std::string(TrimSpaces(term.substr(0, pos)));
      r.op = Op::kEquals;
      r.values = {std::string(TrimSpaces(term.substr(pos + 1)))};
    } else if ((pos = term.find('(')) != std::string_view::npos) {
      if (term.back() != ')') return bad("missing ')'");
      std::string_view head = TrimSpaces(term.substr(0, pos));
      size_t sp = head.rfind(' ');
      if (sp == std::string_view::npos) return bad("expected 'key in (...)' or 'key notin (...)'");
      std::string_view word = TrimSpaces(head.substr(sp + 1));
      r.key = std::string(TrimSpaces(head.substr(0, sp)));
      if (word == "in") {
        r.op = Op::kIn;
      } else if (word == "notin") {
        r.op = Op::kNotIn;
      } else {
        return bad("unknown operator \"" + std::string(word) + "\"");
      }
      std::string_view list = term.substr(pos + 1, term.size() - pos - 2);
      size_t start = 0;
      for (size_t i = 0; i <= list.size(); ++i) {
        if (i == list.size() || list[i] == ',') {
          std::string_view v = TrimSpaces(list.substr(start, i - start));
          if (!v.empty()) r.values.emplace_back(v);
          start = i + 1;
        }
      }
      if (r.values.empty()) return bad("empty value set");
    } else {
      r.key = std::string(term);
      r.op = Op::kExists;
    }
    if (!ValidKey(r.key)) return bad("invalid label key");
    sel.requirements_.push_back(std::move(r));
  }
  return sel;
}

bool Selector::Matches(const std::string& ns, const StringPairs& labels) const {
  if (!namespaces_.empty() &&
      std::find(namespaces_.begin(), namespaces_.end(), ns) == namespaces_.end()) {
    return false;
  }
  for (const Requirement& r : requirements_) {
    auto it = labels.find(r.key);
    bool has = it != labels.end();
    auto in_values = [&] {
      return has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    };
    bool ok = false;
    switch (r.op) {
      case Op::kEquals:
        ok = has && it->second == r.values[0];
        break;
      case Op::kNotEquals:
        ok = !has || it->second != r.values[0];
        break;
      case Op::kExists:
        ok = has;
        break;
      case Op::kNotExists:
        ok = !has;
        break;
      case Op::kIn:
        ok = in_values();
        break;
      case Op::kNotIn:
        ok = !in_values();
        break;
    }
    if (!ok) return false;
  }
  return true;
}

std::string Selector::Describe() const {
  std::string ns = namespaces_.empty() ? "*" : "";
  for (size_t i = 0; i < namespaces_.size(); ++i) ns += (i ? "," : "") + namespaces_[i];
  return "namespaces=" + ns + " labels=" + (text_.empty() ? "*" : text_);
}

}  // namespace certwatch::renewer
