// Tracking tokens: what a link carries comes back only under the key that signed it, and any
// change to the token (each byte, a cut, another key) is refused.
#include <gtest/gtest.h>

#include <relance/tracking/token.hpp>
#include <string>

namespace relance::tracking {
namespace {

const std::string kKey(32, '\x42');
const std::string kOtherKey(32, '\x43');
const std::string kMessage = "r_0123456789abcdef.intro.3";

Link click_link() {
    return Link{LinkKind::click, kMessage, 4, "https://acme.test/pricing?utm=mail&x=1"};
}

TEST(TrackingToken, EachKindComesBackAsSigned) {
    for (LinkKind kind : {LinkKind::open, LinkKind::unsubscribe}) {
        auto token = sign(Link{kind, kMessage, 0, {}}, kKey);
        ASSERT_TRUE(token);
        auto link = verify(*token, kKey);
        ASSERT_TRUE(link);
        EXPECT_EQ(link->kind, kind);
        EXPECT_EQ(link->message_id, kMessage);
        EXPECT_TRUE(link->url.empty());
    }
    auto token = sign(click_link(), kKey);
    ASSERT_TRUE(token);
    auto link = verify(*token, kKey);
    ASSERT_TRUE(link);
    EXPECT_EQ(link->kind, LinkKind::click);
    EXPECT_EQ(link->message_id, kMessage);
    EXPECT_EQ(link->index, 4u);
    EXPECT_EQ(link->url, "https://acme.test/pricing?utm=mail&x=1");
}

TEST(TrackingToken, IsCompactAndUrlSafe) {
    auto token = sign(Link{LinkKind::unsubscribe, kMessage, 0, {}}, kKey);
    ASSERT_TRUE(token);
    // 2 + 1 + 26 bytes of payload, 16 of tag: 60 characters of base64url.
    EXPECT_EQ(token->size(), 60u);
    EXPECT_EQ(token->find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    // The same link signs to the same token: a retry sends the same input.
    EXPECT_EQ(*token, *sign(Link{LinkKind::unsubscribe, kMessage, 0, {}}, kKey));
}

TEST(TrackingToken, ChangingAnyCharacterIsRefused) {
    auto token = sign(click_link(), kKey);
    ASSERT_TRUE(token);
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    int refused = 0;
    for (std::size_t i = 0; i < token->size(); ++i) {
        for (char c : {'A', 'z', '0', '-', '_', '%', '='}) {
            if ((*token)[i] == c) continue;
            std::string forged = *token;
            forged[i] = c;
            EXPECT_FALSE(verify(forged, kKey)) << "position " << i << " -> " << c;
            ++refused;
        }
        // Every other spelling of the position too (the unused bits of the last character
        // included: one token, one spelling).
        for (char c : alphabet) {
            if ((*token)[i] == c) continue;
            std::string forged = *token;
            forged[i] = c;
            EXPECT_FALSE(verify(forged, kKey)) << "position " << i << " -> " << c;
        }
    }
    EXPECT_GT(refused, 0);
}

TEST(TrackingToken, AWrongKeyATruncationOrAnAdditionIsRefused) {
    auto token = sign(click_link(), kKey);
    ASSERT_TRUE(token);
    EXPECT_FALSE(verify(*token, kOtherKey));
    EXPECT_FALSE(verify(*token, std::string(31, '\x42')));  // a short key verifies nothing
    for (std::size_t n = 0; n < token->size(); ++n)
        EXPECT_FALSE(verify(token->substr(0, n), kKey)) << "cut to " << n;
    EXPECT_FALSE(verify(*token + "A", kKey));
    EXPECT_FALSE(verify(*token + "AAAA", kKey));
    EXPECT_FALSE(verify("A" + *token, kKey));
    EXPECT_FALSE(verify("", kKey));
    EXPECT_FALSE(verify(std::string(kMaxTokenChars + 4, 'A'), kKey));
}

TEST(TrackingToken, AnOpenTokenIsNotAClickToken) {
    // A token of one kind never reads as another (the kind is inside the signed bytes).
    auto open = sign(Link{LinkKind::open, kMessage, 0, {}}, kKey);
    ASSERT_TRUE(open);
    auto link = verify(*open, kKey);
    ASSERT_TRUE(link);
    EXPECT_NE(link->kind, LinkKind::click);
}

TEST(TrackingToken, OnlyHttpDestinationsAndPrintableTextAreSigned) {
    Link l = click_link();
    for (std::string url :
         {"javascript:alert(1)", "mailto:a@b.test", "//evil.test/", "ftp://x.test/",
          "https://a.test/\r\nSet-Cookie: x", "https://a.test/ b", "http://"}) {
        l.url = url;
        EXPECT_FALSE(sign(l, kKey)) << url;
    }
    l.url = "HTTPS://ACME.TEST/";
    EXPECT_TRUE(sign(l, kKey));
    l.url = "https://acme.test/" + std::string(kMaxUrlBytes, 'a');
    EXPECT_FALSE(sign(l, kKey));
    Link bad{LinkKind::open, "", 0, {}};
    EXPECT_FALSE(sign(bad, kKey));
    bad.message_id = "r_1.a b.1";
    EXPECT_FALSE(sign(bad, kKey));
    bad.message_id = std::string(kMaxMessageIdBytes + 1, 'r');
    EXPECT_FALSE(sign(bad, kKey));
    EXPECT_THROW(sign(click_link(), "short"), std::invalid_argument);
}

TEST(TrackingToken, PayloadsAreReadStrictly) {
    std::string ok = std::string("\x01o", 2) + '\x03' + "r.s";
    EXPECT_TRUE(parse_payload(ok));
    EXPECT_FALSE(parse_payload(ok + "x"));                                  // trailing bytes
    EXPECT_FALSE(parse_payload(std::string("\x02o", 2) + '\x03' + "r.s"));  // unknown version
    EXPECT_FALSE(parse_payload(std::string("\x01x", 2) + '\x03' + "r.s"));  // unknown kind
    EXPECT_FALSE(parse_payload(std::string("\x01o", 2) + '\x09' + "r.s"));  // length past end
    // A redundant varint byte (0x83 0x00 for 3) is another spelling of the same payload: no.
    EXPECT_FALSE(parse_payload(std::string("\x01o\x83", 3) + '\0' + "r.s"));
}

TEST(TrackingToken, UrlsArePercentEncodedAndControlCharactersRefused) {
    EXPECT_EQ(printable_url("https://a.test/caf\xc3\xa9 x"), "https://a.test/caf%C3%A9%20x");
    EXPECT_FALSE(printable_url("https://a.test/\n"));
    EXPECT_FALSE(printable_url(std::string("https://a.test/\0", 16)));
    EXPECT_EQ(run_id_of("r_abc.intro.2"), "r_abc");
    EXPECT_EQ(run_id_of("nodot"), "");
}

}  // namespace
}  // namespace relance::tracking
