#include <gtest/gtest.h>

#include <relance/base/text_limits.hpp>

namespace relance {
namespace {

TEST(JsonLimits, WithinLimitsIsAccepted) {
    EXPECT_FALSE(json_limit_error(R"({"a":[1,{"b":"[[[[{{{{"}]})"));
    EXPECT_FALSE(json_limit_error(""));
}

TEST(JsonLimits, DeepNestingIsRefusedWithItsPosition) {
    std::string deep(60'000, '[');
    auto err = json_limit_error(deep);
    ASSERT_TRUE(err);
    EXPECT_EQ(*err, "nested deeper than 64 levels at line 1, column 65");
}

TEST(JsonLimits, BracketsInsideStringsDoNotCount) {
    std::string s = "\"" + std::string(1000, '[') + "\\\"" + "\"";
    EXPECT_FALSE(json_limit_error(s));
}

TEST(JsonLimits, SizeAndEncodingAreChecked) {
    EXPECT_EQ(*json_limit_error("12345", {4, 64}), "larger than 4 bytes (5)");
    EXPECT_EQ(*json_limit_error("{\n\"a\":\"\xe9\"}"), "not valid UTF-8 at line 2, column 6");
}

}  // namespace
}  // namespace relance
