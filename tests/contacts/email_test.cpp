#include <gtest/gtest.h>

#include "relance/contacts/normalize.hpp"

namespace relance::contacts {
namespace {

struct Valid {
    std::string input;
    std::string expected;
    bool fold_gmail = false;
};

class ValidEmail : public testing::TestWithParam<Valid> {};

TEST_P(ValidEmail, Normalizes) {
    const auto& c = GetParam();
    std::string why;
    auto got = normalize_email(c.input, &why, c.fold_gmail);
    ASSERT_TRUE(got) << c.input << ": " << why;
    EXPECT_EQ(*got, c.expected) << c.input;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ValidEmail,
    testing::Values(
        Valid{"bob@acme.com", "bob@acme.com"},
        Valid{"  Bob.Smith@ACME.com \t", "bob.smith@acme.com"},
        Valid{"\xEF\xBB\xBF"
              "bob@acme.com",
              "bob@acme.com"},  // byte-order mark
        Valid{"\xC2\xA0"
              "bob@acme.com"
              "\xC2\xA0",
              "bob@acme.com"},  // no-break spaces
        Valid{"mailto:Bob@Acme.com", "bob@acme.com"}, Valid{"MAILTO: bob@acme.com", "bob@acme.com"},
        Valid{"bob+news@acme.com", "bob+news@acme.com"},  // +tag kept
        Valid{"j.doe+x@gmail.com", "j.doe+x@gmail.com"},  // no folding by default
        Valid{"J.Doe+news@Gmail.com", "jdoe@gmail.com", true},
        Valid{"j.d.o.e@googlemail.com", "jdoe@gmail.com", true},
        Valid{"j.doe+x@acme.com", "j.doe+x@acme.com", true},  // folding is Gmail-only
        Valid{"o'brien@acme.co.uk", "o'brien@acme.co.uk"},
        Valid{"a_b-c=d!#$%&*/?^`{|}~@sub.acme-corp.io", "a_b-c=d!#$%&*/?^`{|}~@sub.acme-corp.io"},
        Valid{"x@a.b", "x@a.b"},
        // Internationalised domains: one key, the A-label, whatever the spelling; the local part
        // keeps its UTF-8 bytes.
        Valid{"ren\xC3\xA9@caf\xC3\xA9.fr", "ren\xC3\xA9@xn--caf-dma.fr"},
        Valid{"bob@xn--caf-dma.fr", "bob@xn--caf-dma.fr"},
        Valid{"anna@M\xC3\x9CLLER.de", "anna@xn--mller-kva.de"},   // MÜLLER.de
        Valid{"anna@m\xC3\xBCller.de", "anna@xn--mller-kva.de"},   // müller.de
        Valid{"anna@mu\xCC\x88ller.de", "anna@xn--mller-kva.de"},  // u + combining ¨
        Valid{"Anna@XN--MLLER-KVA.DE", "anna@xn--mller-kva.de"},
        Valid{"anna@\xEF\xBD\x8D\xC3\xBCller.de", "anna@xn--mller-kva.de"},  // full-width m
        Valid{"anna@m\xC3\xBCller\xE3\x80\x82"
              "de",
              "anna@xn--mller-kva.de"},  // 。 full stop
        Valid{"anna@eu.m\xC3\xBCller.de", "anna@eu.xn--mller-kva.de"},
        Valid{"max@fa\xC3\x9F.de", "max@xn--fa-hia.de"},  // ß is not ss (non-transitional)
        Valid{"bob@ab--cd.com", "bob@ab--cd.com"},        // ASCII names keep their rules
        Valid{"bob@123.acme.com", "bob@123.acme.com"}));

struct Invalid {
    std::string input;
    std::string reason;  // a fragment of the reason
};

class InvalidEmail : public testing::TestWithParam<Invalid> {};

TEST_P(InvalidEmail, Rejects) {
    const auto& c = GetParam();
    std::string why;
    auto got = normalize_email(c.input, &why);
    EXPECT_FALSE(got) << c.input << " -> " << got.value_or("");
    EXPECT_NE(why.find(c.reason), std::string::npos) << c.input << ": " << why;
}

INSTANTIATE_TEST_SUITE_P(
    Table, InvalidEmail,
    testing::Values(
        Invalid{"", "empty email"}, Invalid{"   ", "empty email"},
        Invalid{"mailto:", "empty email"}, Invalid{"bob.acme.com", "no @"},
        Invalid{"bob@@acme.com", "more than one @"}, Invalid{"\"a@b\"@acme.com", "more than one @"},
        Invalid{"a@b@acme.com", "more than one @"}, Invalid{"@acme.com", "empty local part"},
        Invalid{"bob@", "empty domain"}, Invalid{"bob smith@acme.com", "space"},
        Invalid{"bob@acme .com", "space"}, Invalid{"bob\x01@acme.com", "control character"},
        Invalid{"bob@localhost", "has no dot"}, Invalid{"bob@acme.", "empty label"},
        Invalid{"bob@.acme.com", "empty label"}, Invalid{"bob@acme..com", "empty label"},
        Invalid{"bob@-acme.com", "hyphen"}, Invalid{"bob@acme_corp.com", "invalid character '_'"},
        Invalid{"bob@192.168.0.1", "IP address"}, Invalid{"bob@[192.168.0.1]", "address literals"},
        Invalid{".bob@acme.com", "dot"}, Invalid{"bob.@acme.com", "dot"},
        Invalid{"bo..b@acme.com", "two dots"},
        Invalid{"bob,smith@acme.com", "invalid character ','"},
        Invalid{"<bob@acme.com>", "invalid character '<'"},
        Invalid{std::string(65, 'a') + "@acme.com", "longer than 64"},
        Invalid{"bob@" + std::string(64, 'a') + ".com", "longer than 63"},
        // Invalid IDNs name the domain as given.
        Invalid{"bob@xn--zz.de", "domain \"xn--zz.de\" is not a valid internationalised"},
        Invalid{"bob@xn--a.de", "\"xn--a.de\" is not a valid internationalised"},
        Invalid{"bob@-m\xC3\xBCller.de", "not a valid internationalised"},
        Invalid{"bob@m\xC3\xBC_ller.de", "invalid character '_'"},
        Invalid{"bob@m\xC3\xBC!ller.de", "not a valid internationalised"},
        Invalid{"bob@\xFF.de", "not a valid internationalised"},
        Invalid{"bob@m\xC3\xBCller..de", "empty label"},
        Invalid{"bob@m\xC3\xBCller.123", "IP address"}));

TEST(EmailFold, EmptyAfterFoldingIsRejected) {
    std::string why;
    EXPECT_FALSE(normalize_email("+news@gmail.com", &why, true));
    EXPECT_NE(why.find("empty once Gmail"), std::string::npos) << why;
    EXPECT_EQ(normalize_email("+news@gmail.com"), "+news@gmail.com");  // valid without folding
}

TEST(EmailFold, WhyIsOptional) {
    EXPECT_FALSE(normalize_email("nope"));
    EXPECT_TRUE(normalize_email("a@b.co"));
}

TEST(EmailDomain, AfterTheAt) {
    EXPECT_EQ(email_domain("bob@eu.acme.com"), "eu.acme.com");
    EXPECT_EQ(email_domain("bob@acme.com"), "acme.com");
    EXPECT_EQ(email_domain("acme.com"), "");
    EXPECT_EQ(email_domain(""), "");
}

TEST(NormalizeDomain, Forms) {
    EXPECT_EQ(normalize_domain("acme.com"), "acme.com");
    EXPECT_EQ(normalize_domain(" @ACME.com "), "acme.com");
    EXPECT_EQ(normalize_domain("*.acme.com"), "acme.com");
    EXPECT_EQ(normalize_domain("eu.Acme.com"), "eu.acme.com");
    std::string why;
    EXPECT_FALSE(normalize_domain("com", &why));
    EXPECT_NE(why.find("no dot"), std::string::npos) << why;
    EXPECT_FALSE(normalize_domain("https://acme.test/", &why));
    EXPECT_NE(why.find("URL"), std::string::npos) << why;
    EXPECT_FALSE(normalize_domain("bob@acme.com", &why));
    EXPECT_NE(why.find("@"), std::string::npos) << why;
    EXPECT_FALSE(normalize_domain("@", &why));
    EXPECT_NE(why.find("empty"), std::string::npos) << why;
    EXPECT_FALSE(normalize_domain("ac me.com", &why));
}

// Every spelling of an internationalised domain gives the same suppression value.
TEST(NormalizeDomain, InternationalisedSpellingsAreOne) {
    EXPECT_EQ(normalize_domain("@m\xC3\xBCller.de"), "xn--mller-kva.de");
    EXPECT_EQ(normalize_domain("M\xC3\x9CLLER.DE"), "xn--mller-kva.de");
    EXPECT_EQ(normalize_domain("*.xn--mller-kva.de"), "xn--mller-kva.de");
    std::string why;
    EXPECT_FALSE(normalize_domain("xn--zz.de", &why));
    EXPECT_NE(why.find("\"xn--zz.de\""), std::string::npos) << why;
}

}  // namespace
}  // namespace relance::contacts
