#include <gtest/gtest.h>

#include "relance/contacts/normalize.hpp"

namespace relance::contacts {
namespace {

struct Valid {
    std::string input;
    std::string expected;
    LinkedinKind kind = LinkedinKind::profile;
};

class ValidLinkedin : public testing::TestWithParam<Valid> {};

TEST_P(ValidLinkedin, Canonical) {
    const auto& c = GetParam();
    std::string why;
    LinkedinKind kind =
        c.kind == LinkedinKind::profile ? LinkedinKind::company : LinkedinKind::profile;
    auto got = normalize_linkedin(c.input, &why, &kind);
    ASSERT_TRUE(got) << c.input << ": " << why;
    EXPECT_EQ(*got, c.expected) << c.input;
    EXPECT_EQ(kind, c.kind) << c.input;
}

constexpr const char* kJane = "https://www.linkedin.com/in/jane-doe";

INSTANTIATE_TEST_SUITE_P(
    Table, ValidLinkedin,
    testing::Values(Valid{"https://www.linkedin.com/in/jane-doe", kJane},
                    Valid{"https://www.linkedin.com/in/jane-doe/", kJane},
                    Valid{"http://linkedin.com/in/jane-doe", kJane},
                    Valid{"linkedin.com/in/jane-doe", kJane},
                    Valid{"www.linkedin.com/in/jane-doe", kJane},
                    Valid{"  HTTPS://WWW.LinkedIn.com/in/Jane-Doe  ", kJane},
                    Valid{"https://fr.linkedin.com/in/jane-doe", kJane},
                    Valid{"https://m.linkedin.com/in/jane-doe", kJane},
                    Valid{"https://www.linkedin.com/in/jane-doe?originalSubdomain=fr", kJane},
                    Valid{"https://www.linkedin.com/in/jane-doe/?trk=abc#experience", kJane},
                    Valid{"https://www.linkedin.com/in/jane-doe#top", kJane},
                    Valid{"https://www.linkedin.com/in/jane-doe/details/experience/", kJane},
                    Valid{"https://www.linkedin.com/in//jane-doe", kJane},
                    Valid{"https://www.linkedin.com/mwlite/in/jane-doe", kJane},
                    Valid{"https://www.linkedin.com/in/jane-doe-4a1b2c3d",
                          "https://www.linkedin.com/in/jane-doe-4a1b2c3d"},
                    Valid{"https://www.linkedin.com/in/j%C3%A9r%C3%B4me-dupont",
                          "https://www.linkedin.com/in/j\xC3\xA9r\xC3\xB4me-dupont"},
                    Valid{"https://www.linkedin.com/in/%C3%89lodie",
                          "https://www.linkedin.com/in/\xC3\xA9lodie"},
                    Valid{"https://www.linkedin.com/in/J%c3%a9r%C3%B4me",
                          "https://www.linkedin.com/in/j\xC3\xA9r\xC3\xB4me"},
                    Valid{"https://www.linkedin.com/in/%6Aane-doe", kJane},
                    Valid{"https://www.linkedin.com/company/acme-corp/",
                          "https://www.linkedin.com/company/acme-corp", LinkedinKind::company},
                    Valid{"linkedin.com/company/Acme-Corp/about/?viewAsMember=true",
                          "https://www.linkedin.com/company/acme-corp", LinkedinKind::company},
                    Valid{"https://de.linkedin.com/company/1234567",
                          "https://www.linkedin.com/company/1234567", LinkedinKind::company}));

struct Invalid {
    std::string input;
    std::string reason;
};

class InvalidLinkedin : public testing::TestWithParam<Invalid> {};

TEST_P(InvalidLinkedin, Rejects) {
    const auto& c = GetParam();
    std::string why;
    auto got = normalize_linkedin(c.input, &why);
    EXPECT_FALSE(got) << c.input << " -> " << got.value_or("");
    EXPECT_NE(why.find(c.reason), std::string::npos) << c.input << ": " << why;
}

INSTANTIATE_TEST_SUITE_P(
    Table, InvalidLinkedin,
    testing::Values(
        Invalid{"", "empty"},
        Invalid{"https://www.linkedin.com/sales/lead/ACwAAA123,NAME_SEARCH,abc", "Sales Navigator"},
        Invalid{"https://www.linkedin.com/sales/people/ACwAAA123", "stable public identifier"},
        Invalid{"https://www.linkedin.com/in/ACoAABcdEfG", "internal member id"},
        Invalid{"https://www.linkedin.com/pub/jane-doe/12/345/678", "legacy /pub/"},
        Invalid{"https://www.linkedin.com/profile/view?id=12345", "legacy /profile/view"},
        Invalid{"https://lnkd.in/abc123", "short link"},
        Invalid{"https://www.linkedin.com/school/hec-paris/", "/school/"},
        Invalid{"https://www.linkedin.com/feed/", "/feed/"},
        Invalid{"https://www.linkedin.com/", "no /in/ or /company/ path"},
        Invalid{"https://www.linkedin.com", "no /in/ or /company/ path"},
        Invalid{"https://www.linkedin.com/in/", "no name after /in/"},
        Invalid{"https://www.linkedin.com/company", "no name after /company/"},
        Invalid{"https://notlinkedin.com/in/jane-doe", "not a LinkedIn URL"},
        Invalid{"https://linkedin.com.evil.example/in/jane-doe", "not a LinkedIn URL"},
        Invalid{"https://social.example.test/jane.doe", "not a LinkedIn URL"},
        Invalid{"jane-doe", "not a LinkedIn URL"},
        Invalid{"ftp://www.linkedin.com/in/jane-doe", "unsupported scheme"},
        Invalid{"https://www.linkedin.com:8443/in/jane-doe", "port"},
        Invalid{"https://www.linkedin.com/in/jane%2Fdoe", "invalid character '/'"},
        Invalid{"https://www.linkedin.com/in/jane%zzdoe", "invalid %-escape"},
        Invalid{"https://www.linkedin.com/in/jane%4", "invalid %-escape"},
        Invalid{"https://www.linkedin.com/in/jane doe", "space"},
        // A no-break space inside the path (found by the contact_identity fuzzer): it was kept,
        // so "jane%C2%A0/" and "jane/" were two people.
        Invalid{"https://www.linkedin.com/in/jane%C2%A0/", "space"},
        Invalid{"https://www.linkedin.com/in/jane\xC2\xA0/", "space"},
        Invalid{"https://www.linkedin.com/in/ja\xE2\x80\x8Bne/", "space"}));

TEST(Linkedin, KindIsOptional) {
    EXPECT_EQ(normalize_linkedin("linkedin.com/in/bob"), "https://www.linkedin.com/in/bob");
    EXPECT_FALSE(normalize_linkedin("linkedin.com/sales/lead/x"));
}

}  // namespace
}  // namespace relance::contacts
