// The HTML rewrite of a tracked send: which links are rewritten, what is kept of each tag, where
// the pixel goes, and that a huge or hostile body costs linear time.
#include <gtest/gtest.h>

#include <chrono>
#include <relance/tracking/html_rewrite.hpp>
#include <string>
#include <vector>

namespace relance::tracking {
namespace {

struct Recorder {
    std::vector<std::pair<std::uint32_t, std::string>> seen;
    RewriteOptions options() {
        RewriteOptions o;
        o.link = [this](std::uint32_t i, const std::string& url) {
            seen.emplace_back(i, url);
            return "https://t.test/t/c/T" + std::to_string(i);
        };
        o.own_prefix = "https://t.test/t/";
        return o;
    }
};

TEST(HtmlRewrite, RewritesHttpLinksKeepingTheRestOfTheTag) {
    Recorder r;
    auto out = rewrite_html(
        "<p><a class=\"btn\" href=\"https://acme.test/a?x=1&amp;y=2\" target=_blank>A</a> "
        "<A HREF='http://acme.test/b'>B</A> <a\n  title=\"t\"\n  "
        "href=https://acme.test/c>C</a></p>",
        r.options());
    EXPECT_EQ(out.html,
              "<p><a class=\"btn\" href=\"https://t.test/t/c/T0\" target=_blank>A</a> "
              "<A href=\"https://t.test/t/c/T1\">B</A> <a\n  title=\"t\"\n  "
              "href=\"https://t.test/t/c/T2\">C</a></p>");
    EXPECT_EQ(out.links, 3u);
    ASSERT_EQ(r.seen.size(), 3u);
    // The destination is the href a browser would follow: references decoded.
    EXPECT_EQ(r.seen[0].second, "https://acme.test/a?x=1&y=2");
    EXPECT_EQ(r.seen[1].second, "http://acme.test/b");
    EXPECT_EQ(r.seen[2].second, "https://acme.test/c");
}

TEST(HtmlRewrite, LeavesOtherLinksAlone) {
    Recorder r;
    std::string html =
        "<a href=\"mailto:sales@acme.test\">m</a><a href=\"tel:+33123\">t</a>"
        "<a href=\"/relative\">r</a><a href=\"#top\">f</a><a name=\"x\">n</a>"
        "<a href=\"https://t.test/t/u/TOKEN\">unsubscribe</a>"
        "<a data-relance-notrack href=\"https://acme.test/private\">p</a>"
        "<abbr title=\"https://acme.test/\">abbr</abbr><area href=\"https://acme.test/\">"
        "<!-- <a href=\"https://acme.test/comment\">c</a> -->"
        "<script>var s = '<a href=\"https://acme.test/js\">';</script>"
        "<style>a[href^=\"https://acme.test\"] { color: red }</style>";
    auto out = rewrite_html(html, r.options());
    EXPECT_EQ(out.html, html);
    EXPECT_EQ(out.links, 0u);
    EXPECT_TRUE(r.seen.empty());
}

TEST(HtmlRewrite, ALinkTheCallerDeclinesStaysAsItIs) {
    RewriteOptions o;
    o.link = [](std::uint32_t i, const std::string&) {
        return i == 1 ? std::string("https://t.test/t/c/X") : std::string();
    };
    auto out = rewrite_html("<a href='https://a.test/0'>0</a><a href='https://a.test/1'>1</a>", o);
    EXPECT_EQ(out.html, "<a href='https://a.test/0'>0</a><a href=\"https://t.test/t/c/X\">1</a>");
}

TEST(HtmlRewrite, ThePixelGoesBeforeTheLastBodyEnd) {
    RewriteOptions o;
    o.pixel_url = "https://t.test/t/o/P.gif";
    auto out = rewrite_html("<html><body><p>Hi</p></BODY></html>", o);
    EXPECT_TRUE(out.pixel);
    EXPECT_EQ(out.html,
              "<html><body><p>Hi</p><img src=\"https://t.test/t/o/P.gif\" width=\"1\" "
              "height=\"1\" alt=\"\" style=\"display:block;border:0;width:1px;height:1px\">"
              "</BODY></html>");
    auto bare = rewrite_html("<p>Hi</p>", o);
    EXPECT_EQ(bare.html.rfind("<p>Hi</p><img src=\"https://t.test/t/o/P.gif\"", 0), 0u);
    // No pixel asked: none added, and links untouched without a link function.
    auto plain = rewrite_html("<a href=\"https://a.test/\">x</a></body>", RewriteOptions{});
    EXPECT_EQ(plain.html, "<a href=\"https://a.test/\">x</a></body>");
    EXPECT_FALSE(plain.pixel);
}

TEST(HtmlRewrite, BrokenMarkupIsCopiedNotLooped) {
    Recorder r;
    for (std::string html :
         {"<a href=\"https://a.test/", "<a href='x", "<a", "<a ", "<",
          "<!-- never closed <a href=\"https://a.test/\">", "<script><a href=\"https://a.test/\">",
          "<a href=>x</a>", "<a =\"x\" href=\"https://a.test/\">x</a>"}) {
        auto out = rewrite_html(html, r.options());
        if (html == "<a =\"x\" href=\"https://a.test/\">x</a>") {
            EXPECT_EQ(out.html, "<a =\"x\" href=\"https://t.test/t/c/T0\">x</a>");
        } else {
            EXPECT_EQ(out.html, html) << html;
        }
    }
}

TEST(HtmlRewrite, AtMostMaxLinksAreRewritten) {
    Recorder r;
    RewriteOptions o = r.options();
    o.max_links = 3;
    std::string html;
    for (int i = 0; i < 10; ++i)
        html += "<a href=\"https://a.test/" + std::to_string(i) + "\">x</a>";
    auto out = rewrite_html(html, o);
    EXPECT_EQ(out.links, 3u);
    EXPECT_NE(out.html.find("<a href=\"https://a.test/3\">"), std::string::npos);
    EXPECT_EQ(out.html.find("<a href=\"https://a.test/2\">"), std::string::npos);
}

// Hostile shapes that would make a naive rescan quadratic: each is tens of megabytes of work
// for a quadratic scan, well under a second for a linear one.
TEST(HtmlRewrite, HugeAndHostileInputsTakeLinearTime) {
    Recorder r;
    std::vector<std::string> inputs = {
        std::string(4'000'000, '<'),
        [] {
            std::string s;
            while (s.size() < 4'000'000) s += "<a href=\"https://a.test/x\">link</a>";
            return s;
        }(),
        [] {
            std::string s;
            while (s.size() < 4'000'000) s += "<a title='";
            return s;
        }(),
        [] {
            std::string s;
            while (s.size() < 4'000'000) s += "<a x=";
            return s;
        }(),
        "<script>" + std::string(4'000'000, '<'),
        [] {
            std::string s = "<a href=\"https://a.test/";
            while (s.size() < 4'000'000) s += "&amp;&#38;&";
            return s + "\">x</a>";
        }(),
    };
    for (const auto& html : inputs) {
        auto start = std::chrono::steady_clock::now();
        auto out = rewrite_html(html, r.options());
        auto took = std::chrono::steady_clock::now() - start;
        EXPECT_LT(took, std::chrono::seconds(3)) << html.substr(0, 40);
        EXPECT_LE(out.links, 200u);
    }
}

TEST(HtmlRewrite, ReferencesAndEscapes) {
    EXPECT_EQ(decode_references("a&amp;b&lt;&gt;&quot;&apos;&#38;&#x26;&#X41;"), "a&b<>\"'&&A");
    EXPECT_EQ(decode_references("&unknown; &amp &#xZZ; &#;"), "&unknown; &amp &#xZZ; &#;");
    EXPECT_EQ(decode_references("&#0;"), "\xef\xbf\xbd");
    EXPECT_EQ(escape_attribute("a&b\"<c>"), "a&amp;b&quot;&lt;c&gt;");
}

}  // namespace
}  // namespace relance::tracking
