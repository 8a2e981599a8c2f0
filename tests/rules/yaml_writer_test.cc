#include "rules/yaml_writer.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <regex>
#include <string_view>

namespace certwatch {
namespace {

// How a YAML 1.2 core schema reader (Prometheus, yaml-cpp, go-yaml v3) types a plain scalar.
enum class CoreType { kNull, kBool, kNumber, kString };

CoreType Yaml12CoreType(const std::string& s) {
  static const std::regex kNull("null|Null|NULL|~|");
  static const std::regex kBool("true|True|TRUE|false|False|FALSE");
  static const std::regex kNumber(
      "[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|"
      "[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?|"
      "[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
  if (std::regex_match(s, kNull)) return CoreType::kNull;
  if (std::regex_match(s, kBool)) return CoreType::kBool;
  if (std::regex_match(s, kNumber)) return CoreType::kNumber;
  return CoreType::kString;
}

// Whether a YAML 1.1 reader gives a plain scalar a type other than string: PyYAML's implicit
// resolvers (bool, float, int, merge, null, timestamp, value) plus go-yaml v2's y/n booleans.
bool Yaml11Typed(const std::string& s) {
  static const std::regex kTyped(
      "yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|"
      "y|Y|n|N|"
      "[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?|\\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|"
      "[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN)|"
      "[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|"
      "[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+|"
      "<<|~|null|Null|NULL||"
      "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|"
      "[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \\t]+)[0-9][0-9]?:[0-9][0-9]:"
      "[0-9][0-9](?:\\.[0-9]*)?(?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?|"
      "=");
  return std::regex_match(s, kTyped);
}

// Converts what yaml-cpp reads back into JSON, typing plain scalars the way YAML 1.2 core
// schema readers (Prometheus, Kubernetes) do, so a round trip shows whether types survive.
nlohmann::json FromYaml(const YAML::Node& n) {
  if (n.IsMap()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& kv : n) out[kv.first.as<std::string>()] = FromYaml(kv.second);
    return out;
  }
  if (n.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : n) out.push_back(FromYaml(item));
    return out;
  }
  if (n.IsNull()) return nullptr;
  std::string s = n.Scalar();
  if (n.Tag() == "!") return s;  // quoted or block scalar: always a string
  switch (Yaml12CoreType(s)) {
    case CoreType::kNull:
      return nullptr;
    case CoreType::kBool:
      return s == "true" || s == "True" || s == "TRUE";
    case CoreType::kNumber: {
      // A number we wrote is a JSON number; any other spelling shows up as a mismatch.
      auto number = nlohmann::json::parse(s, nullptr, false);
      return number.is_discarded() ? nlohmann::json{{"unexpected number", s}} : number;
    }
    case CoreType::kString:
      // A YAML 1.1 reader (PyYAML, go-yaml v2) must read the same string.
      if (Yaml11Typed(s)) return nlohmann::json{{"typed by YAML 1.1", s}};
      return s;
  }
  return s;
}

void ExpectRoundTrip(const nlohmann::json& doc) {
  std::string yaml = ToYaml(doc);
  SCOPED_TRACE(yaml);
  EXPECT_EQ(FromYaml(YAML::Load(yaml)), doc);
}

TEST(YamlWriter, ScalarsKeepTheirTypes) {
  ExpectRoundTrip({{"s", "true"},
                   {"n", "1"},
                   {"b", true},
                   {"i", 604800},
                   {"f", 1.0 / 6.0},
                   {"null_string", "null"},
                   {"empty", ""},
                   {"tilde", "~"}});
}

TEST(YamlWriter, QuotesKeysThatWouldChangeMeaning) {
  ExpectRoundTrip({{"on", 1},
                   {"yes", "no"},
                   {"a b", "c"},
                   {"1x", 2},
                   {"for", "5m"},
                   {"certwatch-fleet.json", "{}"}});
  EXPECT_NE(ToYaml({{"on", 1}}).find("\"on\":"), std::string::npos);
  EXPECT_EQ(ToYaml({{"a b", "c"}, {"app.kubernetes.io/name", "x"}}),
            "a b: c\napp.kubernetes.io/name: x\n");
}

// Kubernetes manifests read as people write them: no quotes around ordinary words.
TEST(YamlWriter, OrdinaryStringsArePlain) {
  EXPECT_EQ(ToYaml({{"apiVersion", "monitoring.coreos.com/v1"}, {"kind", "PrometheusRule"}}),
            "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\n");
  EXPECT_EQ(ToYaml({{"labels", {{"severity", "warning"}}}, {"for", "1h"}}),
            "for: 1h\nlabels:\n  severity: warning\n");
  EXPECT_EQ(ToYaml(nlohmann::json::array({"a", "yes"})), "- a\n- \"yes\"\n");
}

// Strings that a YAML 1.1 or 1.2 reader would take for another type, or for syntax.
constexpr std::string_view kNeedQuotes[] = {
    // null, bool (YAML 1.1 and 1.2, any case), the empty string
    "", "null", "Null", "NULL", "nUlL", "~", "true", "False", "TRUE", "yes", "Yes", "NO", "no",
    "on", "Off", "y", "Y", "n", "N",
    // integers: decimal, YAML 1.1 octal, 1.2 octal, hex, binary, underscores, sexagesimal
    "1", "-1", "+1", "0", "012", "0o17", "0O17", "0x1F", "-0x1f", "0b101", "1_000", "1:20",
    "-190:20:30",
    // floats: exponents without a dot (1.2), with one (1.1), infinities and NaN, sexagesimal
    "1e3", "1E-3", "+1.5e+3", "1.5", ".5", "1.", "-.inf", ".Inf", ".NaN", "190:20:30.15",
    "10.0.0.1",
    // YAML 1.1 timestamps
    "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5",
    // leading indicators
    "- x", "-x", "-", "? x", "?x", ": x", ":x", ",x", "[x", "]x", "{x", "}x", "#x", "&x", "*x",
    "!x", "|x", ">x", "'x", "\"x", "%x", "@x", "`x",
    // a mapping value or a comment inside, a trailing colon, leading or trailing white space
    "a: b", "a #b", "a:", " x", "x ", "  ",
    // YAML 1.1 merge and value keys, a document end marker
    "<<", "=", "...", "... x",
    // control characters, line breaks and characters a YAML reader does not accept as they are
    "a\tb", "a\nb", "a\rb", "a\x7f", "a\x01", "a\u0085b", "a\u2028b", "a\u2029b", "\ufeffa",
    "a\u0080"};

TEST(YamlWriterQuoting, QuotesWhatAReaderWouldMisread) {
  for (std::string_view s : kNeedQuotes) {
    SCOPED_TRACE(nlohmann::json(s).dump());
    EXPECT_TRUE(NeedsQuotes(s));
    const std::string text(s);
    const std::string yaml = ToYaml({{"k", text}, {text, "v"}});
    SCOPED_TRACE(yaml);
    YAML::Node back;
    ASSERT_NO_THROW(back = YAML::Load(yaml));
    EXPECT_EQ(back["k"].Tag(), "!");  // quoted (or a block scalar): a string whatever it says
    EXPECT_EQ(back["k"].Scalar(), text);
    EXPECT_EQ(back[text].as<std::string>(), "v");
  }
}

TEST(YamlWriterQuoting, LeavesOrdinaryTextPlain) {
  for (std::string_view s : {"PrometheusRule",
                             "monitoring.coreos.com/v1",
                             "certwatch",
                             "v1",
                             "1h",
                             "5m",
                             "1h30m",
                             "14d",
                             "a b",
                             "app.kubernetes.io/name",
                             "up{job=\"x\"} == 0",
                             "sum by (namespace) (rate(x[5m])) > 0",
                             "A certificate expires in less than 1w.",
                             "Certificate {{ $labels.name }} expires",
                             "https://wiki.example/runbooks#anchor",
                             "runbooks.md#certwatchcertificateexpiringsoon",
                             "127.0.0.1:9480",
                             "a:b",
                             "a#b",
                             "a-b_c",
                             "x-1",
                             "1x",
                             "0x",
                             "0b",
                             "1e",
                             "yes-no",
                             "nullable",
                             "Off-peak",
                             "it's",
                             "say \"hi\"",
                             "50%",
                             "a, b",
                             "y[x]",
                             "× é ✓",
                             "\xf0\x9f\x94\x92 lock",
                             "+",
                             "a - b"}) {
    SCOPED_TRACE(s);
    EXPECT_FALSE(NeedsQuotes(s));
    const std::string text(s);
    const std::string yaml = ToYaml({{"k", text}});
    EXPECT_EQ(yaml, "k: " + text + "\n");
    YAML::Node back = YAML::Load(yaml);
    EXPECT_EQ(back["k"].Tag(), "?");
    EXPECT_EQ(back["k"].Scalar(), text);
    EXPECT_EQ(Yaml12CoreType(text), CoreType::kString);
    EXPECT_FALSE(Yaml11Typed(text));
    ExpectRoundTrip({{"k", text}, {text, "v"}});
  }
}

// Bytes that are not UTF-8 are written quoted (as U+FFFD), never as they are.
TEST(YamlWriterQuoting, QuotesTextThatIsNotUtf8) {
  for (std::string_view s : {"a\x9f", "\xc3", "\xe2\x82", "\xc0\xaf", "\xed\xa0\x80"}) {
    SCOPED_TRACE(nlohmann::json(std::string(s))
                     .dump(-1, ' ', true, nlohmann::json::error_handler_t::replace));
    EXPECT_TRUE(NeedsQuotes(s));
  }
}

// Quoted text escapes what YAML readers reject or fold when it appears as it is: DEL, C1
// controls, NEL and the Unicode line and paragraph separators (line breaks to YAML 1.1).
TEST(YamlWriterQuoting, QuotedTextCarriesNoRawNonPrintableCharacter) {
  const std::string text = "a\x7f b\u0085c\u2028d\u2029e\u0080f\ufeffg\x01h\"i\\j";
  const std::string yaml = ToYaml({{"k", text}});
  for (std::string_view raw : {"\x7f", "\u0085", "\u2028", "\u2029", "\u0080", "\ufeff", "\x01"}) {
    EXPECT_EQ(yaml.find(raw), std::string::npos) << nlohmann::json(std::string(raw)).dump();
  }
  EXPECT_EQ(YAML::Load(yaml)["k"].Scalar(), text);
  // Multi-line text with such a character is not a literal block either.
  const std::string lines = "a\x7f\nb\n";
  const std::string block = ToYaml({{"k", lines}});
  EXPECT_EQ(block.find('\x7f'), std::string::npos) << block;
  EXPECT_EQ(YAML::Load(block)["k"].Scalar(), lines);
}

TEST(YamlWriter, MultiLineStringsAreExactLiteralBlocks) {
  ExpectRoundTrip({{"clip", "a\nb\n"},
                   {"strip", "a\nb"},
                   {"keep", "a\nb\n\n\n"},
                   {"blank_lines", "a\n\nb\n"},
                   {"leading_space", " a\nb\n"},
                   {"trailing_space", "a \nb\n"},
                   {"tab", "a\tb\nc"},
                   {"hash", "# x\n{\"a\": 1}\n"}});
  EXPECT_NE(ToYaml({{"k", "a\nb\n"}}).find("k: |\n  a\n  b\n"), std::string::npos);
  EXPECT_NE(ToYaml({{"k", "a\nb"}}).find("k: |-\n"), std::string::npos);
}

TEST(YamlWriter, NestedStructuresAndEmptyContainers) {
  nlohmann::json doc = {
      {"groups",
       {{{"name", "g"},
         {"rules",
          {{{"alert", "A"}, {"expr", "up{job=\"x\"} == 0"}, {"labels", {{"severity", "warning"}}}},
           {{"record", "r"}, {"expr", "sum(x)"}}}}}}},
      {"empty_list", nlohmann::json::array()},
      {"empty_map", nlohmann::json::object()},
      {"list_of_lists", {{1, 2}, {"a"}}},
      {"unicode", "× é ✓"},
  };
  ExpectRoundTrip(doc);
}

}  // namespace
}  // namespace certwatch
