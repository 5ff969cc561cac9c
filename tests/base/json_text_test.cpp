// json_text must write the very text nlohmann's dump(-1, ' ', false, replace) writes: the store
// compares and re-reads what it wrote, and contexts written before must read back the same.
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <relance/base/json_text.hpp>

namespace relance {
namespace {

using json = nlohmann::json;

std::string reference(const json& v) {
    return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

TEST(JsonText, SameTextAsNlohmannOnKnownValues) {
    const char* texts[] = {
        R"({"inputs":{"email":"a@b.test","n":3,"x":1.5,"t":true,"z":null},"steps":{"s1":7}})",
        R"(["", "a\"b\\c", "tab\there", "nl\nx\r\f\b", "\u0001\u001f\u007f", "é漢字😀"])",
        R"({"":{},"a":[],"b":[[]],"c":-0.0,"d":1e300,"e":-12345678901234,"f":18446744073709551615})",
    };
    for (const char* t : texts) {
        json v = json::parse(t);
        EXPECT_EQ(json_text(v), reference(v)) << t;
    }
}

// Long runs are scanned eight bytes at a time: an escape at any place of a word is found.
TEST(JsonText, AnEscapeAnywhereInALongStringIsFound) {
    for (std::string special :
         {"\"", "\\", "\x01", "\x1f", "\n", " ", "\x7f", "\xc3\xa9", "\x20"}) {
        for (std::size_t at = 0; at < 41; ++at) {
            std::string text(40, 'a');
            text.insert(at, special);
            json v = text;
            ASSERT_EQ(json_text(v), reference(v)) << at;
        }
    }
}

TEST(JsonText, InvalidUtf8IsReplacedAsNlohmannDoes) {
    for (std::string bad : {std::string("a\xff"
                                        "b"),
                            std::string("\xc3"), std::string("x\xe2\x82"),
                            std::string("\xed\xa0\x80"), std::string("ok\xc3\xa9\x80")}) {
        json v = {{"k" + bad, bad}, {"list", {bad, "fine"}}};
        EXPECT_EQ(json_text(v), reference(v));
    }
}

// Random values: strings of every byte (valid or not), nested objects and arrays, numbers.
TEST(JsonText, SameTextAsNlohmannOnRandomValues) {
    std::mt19937 rng(7);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    std::function<json(int)> value = [&](int depth) -> json {
        switch (depth > 3 ? pick(4) : pick(6)) {
            case 0: {
                std::string s;
                int n = pick(40);
                for (int i = 0; i < n; ++i) {
                    int kind = pick(4);
                    if (kind == 0)
                        s += static_cast<char>(pick(32));  // control
                    else if (kind == 1)
                        s += static_cast<char>(128 + pick(128));  // high bytes
                    else if (kind == 2)
                        s += "\xc3\xa9";  // é
                    else
                        s += static_cast<char>(32 + pick(95));
                }
                return s;
            }
            case 1:
                return pick(2) ? json(pick(1000000) - 500000) : json(pick(1000) / 7.0);
            case 2:
                return pick(2) ? json(true) : json(nullptr);
            case 3:
                return json(std::string(1, static_cast<char>(pick(128))));
            case 4: {
                json a = json::array();
                for (int i = pick(4); i > 0; --i) a.push_back(value(depth + 1));
                return a;
            }
            default: {
                json o = json::object();
                for (int i = pick(4); i > 0; --i)
                    o[value(9).is_string() ? "k" + std::to_string(pick(50))
                                           : "\n\"" + std::to_string(pick(9))] = value(depth + 1);
                return o;
            }
        }
    };
    for (int i = 0; i < 3000; ++i) {
        json v = value(0);
        ASSERT_EQ(json_text(v), reference(v)) << i;
    }
}

}  // namespace
}  // namespace relance
