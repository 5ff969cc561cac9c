// The bot rules of the tracking routes: Apple's privacy proxy and scanners are machines, a
// person behind Gmail's image proxy is a person, a click within the scanner window is a
// scanner's.
#include <gtest/gtest.h>

#include <relance/tracking/bots.hpp>

namespace relance::tracking {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSafari =
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.0 Safari/605.1.15";

TEST(Bots, ApplePrivacyProxyOpensAreMachines) {
    EXPECT_EQ(classify_open({"Mozilla/5.0", "203.0.113.9", {}}).reason, "apple_mpp");
    EXPECT_EQ(classify_open({" mozilla/5.0 ", "", {}}).reason, "apple_mpp");
    EXPECT_TRUE(classify_open({kSafari, "17.58.101.3", {}}).bot);
    EXPECT_TRUE(classify_open({kSafari, "::ffff:17.1.2.3", {}}).bot);
    EXPECT_TRUE(classify_open({kSafari, "2620:149:a:b::1", {}}).bot);
    EXPECT_TRUE(classify_open({kSafari, "2a01:b740::9", {}}).bot);
    // A person on Safari elsewhere is a person.
    EXPECT_FALSE(classify_open({kSafari, "18.0.0.1", {}}).bot);
    EXPECT_FALSE(classify_open({kSafari, "2620:14a::1", {}}).bot);
    EXPECT_FALSE(classify_open({kSafari, "", {}}).bot);
}

TEST(Bots, GmailImageProxyOpensArePeopleMarkedAsProxied) {
    auto v =
        classify_open({"Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com "
                       "GoogleImageProxy)",
                       "66.249.84.1",
                       {}});
    EXPECT_FALSE(v.bot);
    EXPECT_EQ(v.proxy, "google");
}

TEST(Bots, ScannersAreKnownByTheirAgentInAnyCase) {
    for (const char* agent :
         {"Barracuda Sentinel (EE)", "Mozilla/5.0 PROOFPOINT URL Defense", "MimeCast-Scanner",
          "Microsoft SafeLinks", "Mozilla/5.0 ... MicrosoftPreview/2.0", "python-requests/2.31",
          "curl/8.4.0", "Googlebot/2.1", "Mozilla/5.0 HeadlessChrome/120.0"}) {
        auto click = classify_click({agent, "198.51.100.7", 1h}, 10s);
        EXPECT_TRUE(click.bot) << agent;
        EXPECT_EQ(click.reason.rfind("scanner:", 0), 0u) << agent << ": " << click.reason;
        EXPECT_TRUE(classify_open({agent, "198.51.100.7", {}}).bot) << agent;
    }
    EXPECT_EQ(classify_click({"", "", {}}, 10s).reason, "no_user_agent");
    EXPECT_EQ(classify_open({"  ", "", {}}).reason, "no_user_agent");
}

TEST(Bots, ClicksWithinTheScannerWindowOfTheSendAreScanners) {
    EXPECT_EQ(classify_click({kSafari, "", 3s}, 10s).reason, "too_soon");
    EXPECT_FALSE(classify_click({kSafari, "", 10s}, 10s).bot);
    EXPECT_FALSE(classify_click({kSafari, "", 2h}, 10s).bot);
    EXPECT_FALSE(classify_click({kSafari, "", {}}, 10s).bot);  // the send time unknown
    EXPECT_FALSE(classify_click({kSafari, "", 0s}, 0s).bot);   // the window turned off
    // A person's click from Apple's network is a person's (the proxy fetches images only).
    EXPECT_FALSE(classify_click({kSafari, "17.1.2.3", 1h}, 10s).bot);
}

TEST(Bots, LongAgentsCostBoundedTime) {
    std::string agent(1 << 20, 'a');
    agent += "proofpoint";  // past the part read
    EXPECT_FALSE(classify_click({agent, "", 1h}, 10s).bot);
}

TEST(Bots, ClientAddressComesFromForwardedForOnlyWhenTrusted) {
    EXPECT_EQ(client_address("10.0.0.2", "17.1.2.3, 10.0.0.1", true), "17.1.2.3");
    EXPECT_EQ(client_address("10.0.0.2", "17.1.2.3, 10.0.0.1", false), "10.0.0.2");
    EXPECT_EQ(client_address("10.0.0.2", "not-an-ip", true), "10.0.0.2");
    EXPECT_EQ(client_address("garbage", "", true), "");
    EXPECT_FALSE(apple_network("17.0.0.1x"));
}

}  // namespace
}  // namespace relance::tracking
