// Hex, base64, HMAC and the comparison, against OpenSSL and RFC 4648 / RFC 4231 values.
#include <gtest/gtest.h>

#include <relance/signatures/encoding.hpp>
#include <relance/signatures/hmac.hpp>
#include <relance/signatures/http_headers.hpp>
#include <string>

#include "test_util.hpp"

namespace relance::signatures {
namespace {

TEST(SignatureEncoding, Base64MatchesRfc4648) {
    // RFC 4648 section 10.
    const std::pair<std::string, std::string> cases[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, encoded] : cases) {
        EXPECT_EQ(base64_encode(plain), encoded);
        EXPECT_EQ(base64_decode(encoded), plain);
        std::string unpadded = encoded;
        while (unpadded.ends_with("=")) unpadded.pop_back();
        EXPECT_EQ(base64_decode(unpadded), plain) << unpadded;
    }
}

TEST(SignatureEncoding, Base64AgreesWithOpenSslOnEveryByte) {
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    for (std::size_t n = 0; n <= all.size(); n += 17) {
        std::string bytes = all.substr(0, n);
        EXPECT_EQ(base64_encode(bytes), testing::reference_base64(bytes));
        EXPECT_EQ(base64_decode(testing::reference_base64(bytes)), bytes);
    }
}

TEST(SignatureEncoding, Base64RefusesWhatIsNotBase64) {
    for (std::string bad : {"Zg=", "Z", "Zm9vY", "Zg==Zg==", "Zm9v\n", "Zm 9v", "Zm9v-_",
                            "Zg===", "====", "=", "Zm=v", "\xff\xfe"})
        EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
}

TEST(SignatureEncoding, HexRoundTripsAndRefusesOddOrForeignText) {
    std::string bytes("\x00\x01\x7f\x80\xff", 5);
    EXPECT_EQ(hex_encode(bytes), "00017f80ff");
    EXPECT_EQ(hex_decode("00017f80ff"), bytes);
    EXPECT_EQ(hex_decode("00017F80FF"), bytes);
    EXPECT_EQ(hex_decode(""), std::string());
    for (std::string bad : {"0", "0g", "0x00", " 00", "00 "})
        EXPECT_FALSE(hex_decode(bad).has_value()) << bad;
}

TEST(SignatureEncoding, HmacMatchesRfc4231AndOpenSsl) {
    // RFC 4231 test case 2.
    EXPECT_EQ(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    // An empty key and an empty message are valid HMAC inputs.
    EXPECT_EQ(hmac_sha256("", ""), testing::reference_hmac("", ""));
    EXPECT_EQ(hmac_sha256("", "x"), testing::reference_hmac("", "x"));
    // The parts are the concatenation, whatever the cut.
    EXPECT_EQ(hmac_sha256("k", {"ab", "", "c", "."}), hmac_sha256("k", "abc."));
    EXPECT_EQ(hmac_sha256("k", {}), hmac_sha256("k", ""));
}

TEST(SignatureEncoding, ConstantTimeEqualComparesEveryByteAndTheLength) {
    EXPECT_TRUE(constant_time_equal("", ""));
    EXPECT_TRUE(constant_time_equal("abc", "abc"));
    EXPECT_FALSE(constant_time_equal("abc", "abd"));
    EXPECT_FALSE(constant_time_equal("abc", "bbc"));
    EXPECT_FALSE(constant_time_equal("abc", "ab"));
    EXPECT_FALSE(constant_time_equal("", "a"));
    EXPECT_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(SignatureHeaders, LookupIsCaseInsensitiveTrimmedAndSingle) {
    HeaderList headers = {{"Webhook-Id", "  msg_1\t"}, {"X-Twice", "a"}, {"x-twice", "a"}};
    auto found = find_single_header(headers, "webhook-id");
    EXPECT_EQ(found.status, HeaderLookup::Status::found);
    EXPECT_EQ(found.value, "msg_1");
    auto twice = find_single_header(headers, "X-TWICE");
    EXPECT_EQ(twice.status, HeaderLookup::Status::duplicated);
    EXPECT_EQ(twice.count, 2u);
    EXPECT_EQ(find_single_header(headers, "webhook-i").status, HeaderLookup::Status::missing);
    HeaderList big = {{"x", std::string(kMaxHeaderValueBytes, 'a')}};
    EXPECT_EQ(find_single_header(big, "x").status, HeaderLookup::Status::found);
    big[0].second += 'a';
    EXPECT_EQ(find_single_header(big, "x").status, HeaderLookup::Status::too_large);
}

// Tracking tokens and API cursors.
TEST(Encoding, Base64urlIsStrict) {
    EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
    EXPECT_EQ(base64url_decode("-_8"), std::string("\xfb\xff"));
    EXPECT_FALSE(base64url_decode("-_9"));   // unused bits set
    EXPECT_FALSE(base64url_decode("+/8"));   // the standard alphabet
    EXPECT_FALSE(base64url_decode("-_8="));  // padding
    EXPECT_FALSE(base64url_decode("A"));     // a lone character
    for (std::string s : {"", "a", "ab", "abc", "abcd", "\x00\xff\x10"})
        EXPECT_EQ(base64url_decode(base64url_encode(s)), s);
}

}  // namespace
}  // namespace relance::signatures
