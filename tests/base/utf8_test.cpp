#include <gtest/gtest.h>

#include <relance/base/utf8.hpp>

namespace relance {
namespace {

TEST(Utf8, ValidTextHasNoInvalidPosition) {
    EXPECT_FALSE(find_invalid_utf8("plain ascii\nand é, 日本, 😀"));
    EXPECT_FALSE(find_invalid_utf8(""));
}

TEST(Utf8, Latin1ByteIsReportedWithLineAndCharacterColumn) {
    // "né" in Latin-1 on line 2, after a multi-byte character on the same line.
    auto pos = find_invalid_utf8("name: x\n\xc3\xa9t\xe9");
    ASSERT_TRUE(pos);
    EXPECT_EQ(pos->offset, 11u);
    EXPECT_EQ(pos->line, 2);
    EXPECT_EQ(pos->column, 3);
}

TEST(Utf8, OverlongSurrogateAndOutOfRangeFormsAreInvalid) {
    EXPECT_TRUE(find_invalid_utf8("\xc0\xaf"));          // overlong '/'
    EXPECT_TRUE(find_invalid_utf8("\xe0\x80\xaf"));      // overlong
    EXPECT_TRUE(find_invalid_utf8("\xed\xa0\x80"));      // surrogate U+D800
    EXPECT_TRUE(find_invalid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
    EXPECT_TRUE(find_invalid_utf8("\xe2\x82"));          // truncated
    EXPECT_FALSE(find_invalid_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF itself
}

TEST(Utf8, InvalidBytesAreReplaced) {
    EXPECT_EQ(to_valid_utf8("a\xe9z"), "a\xEF\xBF\xBDz");
    EXPECT_EQ(to_valid_utf8("ok é"), "ok é");
}

TEST(Utf8, CutNeverSplitsACharacter) {
    std::string s = "ab\xc3\xa9";  // "abé": é is bytes 2..3
    EXPECT_EQ(cut_utf8(s, 3), "ab");
    EXPECT_EQ(cut_utf8(s, 4), s);
    EXPECT_EQ(cut_utf8(s, 2), "ab");
    std::string emoji = "x\xf0\x9f\x98\x80";
    EXPECT_EQ(cut_utf8(emoji, 4), "x");
    EXPECT_EQ(cut_utf8(emoji, 5), emoji);
    // Invalid text (a run of continuation bytes) is cut where the limit says.
    std::string junk(10, '\x80');
    EXPECT_EQ(cut_utf8(junk, 6).size(), 6u);
}

}  // namespace
}  // namespace relance
