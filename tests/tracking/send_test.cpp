// What a send gets (tracking/send.hpp), and the key: from RELANCE_TRACKING_KEY or made once and
// kept in a real SQLite store, the same for every process.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>
#include <relance/signatures/encoding.hpp>
#include <relance/store/store.hpp>
#include <relance/tracking/key.hpp>
#include <relance/tracking/send.hpp>
#include <relance/tracking/token.hpp>

#include "../support/process.hpp"

namespace relance::tracking {
namespace {

using json = nlohmann::json;

SendPlan plan() {
    SendPlan p;
    p.base_url = "https://t.acme.test";
    p.key = std::string(32, '\x07');
    p.message_id = "r_00000000000000aa.intro.2";
    return p;
}

TEST(TrackedSend, AMarketingSendGetsAnUnsubscribeUrlThatVerifies) {
    SendPlan p = plan();
    p.unsubscribe = true;
    json input = {{"to", "ana@acme.test"}, {"html", "<a href=\"https://acme.test/\">x</a>"}};
    auto changes = decorate_send(input, p);
    EXPECT_TRUE(changes.unsubscribe);
    std::string url = input["unsubscribe_url"];
    ASSERT_EQ(url.rfind("https://t.acme.test/t/u/", 0), 0u) << url;
    auto link = verify(url.substr(std::string("https://t.acme.test/t/u/").size()), p.key);
    ASSERT_TRUE(link);
    EXPECT_EQ(link->kind, LinkKind::unsubscribe);
    EXPECT_EQ(link->message_id, p.message_id);
    // Without track, the body is not touched.
    EXPECT_EQ(input["html"], "<a href=\"https://acme.test/\">x</a>");
}

TEST(TrackedSend, TheStepsOwnUnsubscribeUrlWins) {
    SendPlan p = plan();
    p.unsubscribe = true;
    json input = {{"unsubscribe_url", "https://acme.test/prefs"}};
    EXPECT_FALSE(decorate_send(input, p).unsubscribe);
    EXPECT_EQ(input["unsubscribe_url"], "https://acme.test/prefs");
}

TEST(TrackedSend, OpensAndClicksRewriteTheHtmlTheSameWayEveryTime) {
    SendPlan p = plan();
    p.unsubscribe = true;
    p.opens = true;
    p.clicks = true;
    const json original = {
        {"html",
         "<body><a href=\"https://acme.test/pricing\">P</a> <a href=\"mailto:x@acme.test\">M</a>"
         "</body>"},
        {"text", "https://acme.test/pricing"}};
    json a = original, b = original;
    auto changes = decorate_send(a, p);
    decorate_send(b, p);
    // A retry or a recovery builds the same input: the effect log sees one message.
    EXPECT_EQ(a, b);
    EXPECT_EQ(changes.links, 1u);
    EXPECT_TRUE(changes.pixel);
    std::string html = a["html"];
    EXPECT_NE(html.find("<a href=\"https://t.acme.test/t/c/"), std::string::npos) << html;
    EXPECT_NE(html.find("<img src=\"https://t.acme.test/t/o/"), std::string::npos) << html;
    EXPECT_NE(html.find(".gif\""), std::string::npos) << html;
    EXPECT_NE(html.find("mailto:x@acme.test"), std::string::npos);
    EXPECT_EQ(a["text"], original["text"]);  // plain text is never rewritten
    // The click token names the destination it was made for.
    std::size_t at = html.find("/t/c/") + 5;
    auto link = verify(html.substr(at, html.find('"', at) - at), p.key);
    ASSERT_TRUE(link);
    EXPECT_EQ(link->url, "https://acme.test/pricing");
    EXPECT_EQ(link->index, 0u);
    // The body's own unsubscribe link (already under base_url/t/) is not wrapped again.
    json again = {{"html", a["html"]}};
    EXPECT_EQ(decorate_send(again, p).links, 0u);
}

TEST(TrackedSend, NothingWithoutABaseUrl) {
    SendPlan p = plan();
    p.base_url.clear();
    p.unsubscribe = p.opens = p.clicks = true;
    json input = {{"html", "<a href=\"https://acme.test/\">x</a>"}};
    json before = input;
    decorate_send(input, p);
    EXPECT_EQ(input, before);
}

class TrackingKey : public ::testing::Test {
  protected:
    void SetUp() override { ::unsetenv(kKeyVariable); }
    void TearDown() override { ::unsetenv(kKeyVariable); }
    test::TempDir dir;
};

TEST_F(TrackingKey, IsMadeOnceAndKeptInTheStore) {
    std::string path = dir / "t.db";
    std::string first;
    {
        auto store = store::open_sqlite(path);
        first = load_key(*store, 1);
        EXPECT_EQ(first.size(), kKeyBytes);
        EXPECT_EQ(load_key(*store, 2), first);
    }
    // Another process (here: another open) reads the same key; a candidate does not replace it.
    auto again = store::open_sqlite(path);
    EXPECT_EQ(load_key(*again, 3), first);
    EXPECT_EQ(again->tracking_key(std::string(32, 'x'), 4), first);
}

TEST_F(TrackingKey, TheEnvironmentWinsAndAMalformedOneIsRefusedWithoutItsValue) {
    auto store = store::open_sqlite(dir / "t.db");
    std::string key(32, '\x11');
    ::setenv(kKeyVariable, signatures::base64_encode(key).c_str(), 1);
    EXPECT_EQ(load_key(*store, 1), key);
    ::setenv(kKeyVariable, "c2hvcnQ=", 1);  // "short"
    try {
        load_key(*store, 1);
        ADD_FAILURE() << "a 5-byte key was accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(kKeyVariable), std::string::npos);
        EXPECT_EQ(std::string(e.what()).find("c2hvcnQ"), std::string::npos);
    }
}

}  // namespace
}  // namespace relance::tracking
