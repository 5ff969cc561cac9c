#include <gtest/gtest.h>

#include <algorithm>

#include "relance/contacts/normalize.hpp"

namespace relance::contacts {
namespace {

struct Valid {
    std::string input;
    std::string country;
    std::string expected;
};

class ValidPhone : public testing::TestWithParam<Valid> {};

TEST_P(ValidPhone, ToE164) {
    const auto& c = GetParam();
    std::string why;
    auto got = normalize_phone(c.input, c.country, &why);
    ASSERT_TRUE(got) << c.input << " (" << c.country << "): " << why;
    EXPECT_EQ(*got, c.expected) << c.input << " (" << c.country << ")";
}

INSTANTIATE_TEST_SUITE_P(
    Table, ValidPhone,
    testing::Values(
        // International forms work whatever the default country.
        Valid{"+33 6 12 34 56 78", "", "+33612345678"},
        Valid{"+33.6.12.34.56.78", "US", "+33612345678"},
        Valid{"0033 6 12 34 56 78", "", "+33612345678"},
        Valid{"+33 (0)6 12 34 56 78", "", "+33612345678"},
        Valid{"+33 06 12 34 56 78", "", "+33612345678"},  // stray trunk 0 dropped
        Valid{"+44 (0)20 7946 0958", "", "+442079460958"},
        Valid{"+39 02 1234 5678", "", "+390212345678"},  // Italy keeps its 0
        Valid{"+39 (0)2 1234 5678", "", "+390212345678"},
        Valid{"+1 (415) 555-2671", "", "+14155552671"},
        Valid{"tel:+41-44-668-18-00", "", "+41446681800"},
        Valid{"+352 621 123 456", "", "+352621123456"},
        Valid{"+31 20 123 4567", "", "+31201234567"},
        Valid{"+31 (0)20 123 4567", "", "+31201234567"},  // NL: the trunk 0 goes here too
        Valid{"+31 020 123 4567", "", "+31201234567"},    // the old table kept this 0
        Valid{"+81 3-1234-5678", "FR", "+81312345678"},
        Valid{"011 33 6 12 34 56 78", "US", "+33612345678"},  // NANP international prefix
        Valid{"+33\xC2\xA0"
              "6\xE2\x80\xAF"
              "12 34 56 78",
              "", "+33612345678"},  // nbsp, nnbsp
        // National forms per default country.
        Valid{"06 12 34 56 78", "FR", "+33612345678"},
        Valid{"06.12.34.56.78", "fr", "+33612345678"},
        Valid{"06 12 34 56 78", " Fr ", "+33612345678"},
        Valid{"(0)6 12 34 56 78", "FR", "+33612345678"},
        Valid{"01-23-45-67-89", "FR", "+33123456789"}, Valid{"0470 12 34 56", "BE", "+32470123456"},
        Valid{"02 555 12 12", "BE", "+3225551212"}, Valid{"044 668 18 00", "CH", "+41446681800"},
        Valid{"621 123 456", "LU", "+352621123456"}, Valid{"030 1234567", "DE", "+49301234567"},
        Valid{"0171 1234567", "DE", "+491711234567"}, Valid{"612 34 56 78", "ES", "+34612345678"},
        Valid{"512 34 56 78", "ES", "+34512345678"},  // Spanish 5x numbers exist
        Valid{"91 123 45 67", "ES", "+34911234567"}, Valid{"02 1234 5678", "IT", "+390212345678"},
        Valid{"347 123 4567", "IT", "+393471234567"}, Valid{"020 7946 0958", "GB", "+442079460958"},
        Valid{"07400 123456", "UK", "+447400123456"}, Valid{"(415) 555-2671", "US", "+14155552671"},
        Valid{"1-415-555-2671", "US", "+14155552671"}, Valid{"416.555.0123", "CA", "+14165550123"},
        // A leading trunk 0 lost in a spreadsheet: the number is still unambiguous.
        Valid{"6 12 34 56 78", "FR", "+33612345678"},
        // Every country's plan, not a table of ten: Japan, Brazil, India, the Netherlands.
        Valid{"090-1234-5678", "JP", "+819012345678"}, Valid{"03-1234-5678", "jp", "+81312345678"},
        Valid{"010 81 3 1234 5678", "JP", "+81312345678"},  // Japan's international prefix
        Valid{"+81 90 1234 5678", "", "+819012345678"},
        Valid{"(11) 91234-5678", "BR", "+5511912345678"},
        Valid{"(21) 2345-6789", "BR", "+552123456789"},
        Valid{"+55 11 91234-5678", "", "+5511912345678"},
        Valid{"98765 43210", "IN", "+919876543210"},  // mobile, written without the trunk 0
        Valid{"022 2345 6789", "IN", "+912223456789"},
        Valid{"+91 98765 43210", "FR", "+919876543210"},
        Valid{"06 12 34 56 78", "NL", "+31612345678"}));

struct Invalid {
    std::string input;
    std::string country;
    std::string reason;
};

class InvalidPhone : public testing::TestWithParam<Invalid> {};

TEST_P(InvalidPhone, Rejects) {
    const auto& c = GetParam();
    std::string why;
    auto got = normalize_phone(c.input, c.country, &why);
    EXPECT_FALSE(got) << c.input << " -> " << got.value_or("");
    EXPECT_NE(why.find(c.reason), std::string::npos) << c.input << ": " << why;
}

INSTANTIATE_TEST_SUITE_P(
    Table, InvalidPhone,
    testing::Values(
        Invalid{"", "FR", "empty"}, Invalid{"tel:", "FR", "empty"},
        Invalid{"---", "FR", "no digits"}, Invalid{"+", "FR", "no digits"},
        Invalid{"00", "FR", "no digits after the international prefix"},
        Invalid{"06 12 34 56 78", "", "no default country"},
        Invalid{"06 12 34 56 78", "XX", "no numbering rules for default country \"XX\""},
        Invalid{"06 12 34 56 78", "France", "no numbering rules for default country"},
        Invalid{"06 12 34 56 7", "FR", "9 digits"}, Invalid{"06 12 34 56 78 9", "FR", "9 digits"},
        Invalid{"+33 6 12 34 56", "", "+33 numbers have 9 digits"},
        Invalid{"0612 345 678", "ES", "+34 numbers have 9 digits after the country code; got 10"},
        Invalid{"0621 123 456", "LU", "not a valid number in LU"},
        Invalid{"555-2671", "US", "10 digits after the country code; got 7 (a local number"},
        Invalid{"(015) 555-2671", "US", "not a valid number in US"},
        Invalid{"+1 415 155 2671", "", "+1 4151552671 is not a valid number"},
        Invalid{"+1 415 555 26711", "", "10 digits after the country code"},
        Invalid{"020 7946 09", "GB", "+44 numbers have 7, 9 or 10 digits"},
        Invalid{"+0 123 456 789", "", "do not start with 0"},
        Invalid{"+81 12", "", "+81 numbers have"},
        Invalid{"+999 1234 5678 9012 3", "", "no country uses the calling code"},
        // Countries the old ten-country table did not know: now checked, not waved through.
        Invalid{"090-1234-567", "JP", "not a valid number in JP"},
        Invalid{"+81 90 1234 567", "", "+81 901234567 is not a valid number"},
        Invalid{"+55 11 1234", "", "+55 numbers have"},
        Invalid{"+55 11 01234 5678", "", "not a valid number in BR"},
        Invalid{"98765 4321", "IN", "not a valid number in IN"},
        Invalid{"+91 11 1234", "", "(a local number without its area code?)"},
        Invalid{"+33 6 12 34 56 78 ext. 12", "", "letters"},
        Invalid{"06 12 34 56 78 x12", "FR", "letters"},
        Invalid{"+33 6 12 +34 56 78", "", "'+' that is not at the start"},
        Invalid{"06 12 34 56 78;", "FR", "invalid character ';'"},
        Invalid{"06#12", "FR", "invalid character '#'"}));

TEST(PhoneCountries, EveryCountrySorted) {
    const auto& countries = phone_countries();
    EXPECT_GT(countries.size(), 200u);
    EXPECT_TRUE(std::is_sorted(countries.begin(), countries.end()));
    for (const char* c : {"BR", "FR", "IN", "JP", "NL", "US"})
        EXPECT_TRUE(std::binary_search(countries.begin(), countries.end(), c)) << c;
}

TEST(Phone, WhyIsOptional) {
    EXPECT_FALSE(normalize_phone("abc", "FR"));
    EXPECT_EQ(normalize_phone("0612345678", "FR"), "+33612345678");
}

}  // namespace
}  // namespace relance::contacts
