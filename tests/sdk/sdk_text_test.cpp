// The SDK's own text helpers (it is standalone: it cannot use the engine's): a cut on a
// character boundary that agrees with the engine's cut_utf8, and JSON serialised with invalid
// UTF-8 replaced instead of thrown.
#include <gtest/gtest.h>

#include <relance/base/utf8.hpp>
#include <relance/plugin.hpp>
#include <string>
#include <vector>

namespace sdk = relance::sdk;

TEST(SdkCutUtf8, AgreesWithTheEngineAtEveryCut) {
    const std::vector<std::string> samples = {
        "plain ascii",
        "caf\xC3\xA9 cr\xC3\xA8me",                    // 2-byte characters
        "\xE2\x82\xAC 100 \xE2\x82\xAC",               // 3-byte
        "\xF0\x9F\x98\x80 smile \xF0\x9F\x98\x81",     // 4-byte
        std::string(2047, 'a') + "\xC3\xA9" + "tail",  // "é" astride byte 2048
    };
    for (const auto& s : samples)
        for (std::size_t max = 0; max <= s.size() + 1; ++max) {
            std::string_view ours = sdk::cut_utf8(s, max);
            EXPECT_EQ(ours, relance::cut_utf8(s, max)) << "cut at " << max << " of " << s;
            EXPECT_FALSE(relance::find_invalid_utf8(ours)) << "cut at " << max;
            EXPECT_LE(ours.size(), max);
        }
}

TEST(SdkCutUtf8, TheCaseOfByte2048) {
    std::string body = std::string(2047, 'a') + "\xC3\xA9";
    EXPECT_EQ(sdk::cut_utf8(body, 2048).size(), 2047u);
    EXPECT_EQ(sdk::cut_utf8(body, 2049).size(), 2049u);
}

TEST(SdkDump, ReplacesInvalidUtf8InsteadOfThrowing) {
    sdk::json j = {{"name", std::string("Ren\xE9")}, {"ok", "caf\xC3\xA9"}};
    EXPECT_THROW(j.dump(), sdk::json::type_error);  // nlohmann's default: why sdk::dump exists
    EXPECT_EQ(sdk::dump(j), "{\"name\":\"Ren\xEF\xBF\xBD\",\"ok\":\"caf\xC3\xA9\"}");
}

TEST(SdkAccountError, IsTheAbisAccountStatus) {
    sdk::Error e = sdk::account_error("The from address does not match a verified Sender Identity");
    EXPECT_EQ(static_cast<rl_status>(e.status()), RL_ACCOUNT);
    EXPECT_EQ(RL_ACCOUNT, 5);  // appended: the earlier values keep their numbers
    EXPECT_EQ(RL_IN_DOUBT, 4);
}
