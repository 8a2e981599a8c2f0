// The string helpers (common/strings.h): ASCII case folding, trimming, joining.
#include "common/strings.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace certwatch {
namespace {

TEST(AsciiLower, FoldsAsciiLettersOnly) {
  EXPECT_EQ(AsciiLower(""), "");
  EXPECT_EQ(AsciiLower("Example.COM"), "example.com");
  EXPECT_EQ(AsciiLower("az-AZ_09@[`{"), "az-az_09@[`{");
  // Bytes above 0x7f (UTF-8 here) are not letters to ASCII and stay as they are.
  EXPECT_EQ(AsciiLower("\xc3\x84Z"), "\xc3\x84z");
  EXPECT_EQ(AsciiLower(std::string_view("A\0B", 3)), std::string("a\0b", 3));
}

TEST(EqualsIgnoreCase, ComparesAsciiCaseInsensitively) {
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_TRUE(EqualsIgnoreCase("DNS-01", "dns-01"));
  EXPECT_TRUE(EqualsIgnoreCase("Retry-After", "retry-AFTER"));
  EXPECT_FALSE(EqualsIgnoreCase("dns-01", "dns-01 "));
  EXPECT_FALSE(EqualsIgnoreCase("http-01", "dns-01"));
  // '@' and '`' are 0x20 apart like 'A' and 'a', but they are not letters.
  EXPECT_FALSE(EqualsIgnoreCase("@", "`"));
  EXPECT_FALSE(EqualsIgnoreCase("\xc3\x84", "\xc3\xa4"));
}

TEST(Trim, DropsAsciiWhitespaceAtBothEnds) {
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim(" \t\n\v\f\r"), "");
  EXPECT_EQ(Trim("  a b \r\n"), "a b");
  EXPECT_EQ(Trim("a"), "a");
  EXPECT_EQ(Trim("\ta\t b\t"), "a\t b");
}

TEST(Trim, ViewsItsInput) {
  const std::string s = "  token \n";
  std::string_view t = Trim(s);
  EXPECT_EQ(t.data(), s.data() + 2);
  EXPECT_EQ(t.size(), 5u);
  std::string_view blank = Trim(std::string_view(s).substr(0, 2));
  EXPECT_TRUE(blank.empty());
}

TEST(Trim, DropsOnlyTheGivenCharacters) {
  EXPECT_EQ(Trim("  a  ", " "), "a");
  EXPECT_EQ(Trim("\t a \t", " "), "\t a \t");
  EXPECT_EQ(Trim(" \tgzip\t ", " \t"), "gzip");
  EXPECT_EQ(Trim("...a.b...", "."), "a.b");
  EXPECT_EQ(Trim("....", "."), "");
  EXPECT_EQ(Trim(" a ", ""), " a ");
}

TEST(Join, PutsTheSeparatorBetweenItems) {
  EXPECT_EQ(Join(std::vector<std::string>{}, ", "), "");
  EXPECT_EQ(Join(std::vector<std::string>{"a"}, ", "), "a");
  EXPECT_EQ(Join(std::vector<std::string>{"a", "b", "c"}, ", "), "a, b, c");
  EXPECT_EQ(Join(std::vector<std::string>{"a", "b"}, ""), "ab");
  EXPECT_EQ(Join(std::vector<std::string>{"x", "y"}, "\n"), "x\ny");
}

TEST(Join, KeepsEmptyItems) {
  EXPECT_EQ(Join(std::vector<std::string>{"", "a", "", "b", ""}, ","), ",a,,b,");
  EXPECT_EQ(Join(std::vector<std::string>{""}, ","), "");
  EXPECT_EQ(Join(std::vector<std::string>{"", ""}, ","), ",");
}

TEST(Join, TakesViewsAndSubspans) {
  const std::vector<std::string_view> views = {"issue", "issuewild", "iodef"};
  EXPECT_EQ(Join(views, " "), "issue issuewild iodef");
  const std::vector<std::string> errors = {"e1", "e2", "e3"};
  EXPECT_EQ(Join(std::span(errors).first(2), "\n"), "e1\ne2");
}

}  // namespace
}  // namespace certwatch
