#include "relance/contacts/suppression.hpp"

#include <gtest/gtest.h>

#include <ostream>

namespace relance::contacts {
namespace {

Identity email(const std::string& e) {
    return Identity{e, {}, {}};
}

TEST(Kind, Names) {
    for (Kind k : {Kind::email, Kind::domain, Kind::phone, Kind::linkedin}) {
        EXPECT_EQ(parse_kind(to_string(k)), k);
    }
    EXPECT_EQ(parse_kind(" Domain "), Kind::domain);
    EXPECT_FALSE(parse_kind("company"));
}

TEST(Suppression, AddNormalizesAndMatchesEmail) {
    SuppressionList list;
    EXPECT_EQ(list.add({Kind::email, " Bob@ACME.com ", "bounce", false}), AddResult::added);
    EXPECT_EQ(list.size(), 1u);
    EXPECT_EQ(list.entries()[0].value, "bob@acme.com");
    auto m = list.match(email("bob@acme.com"));
    ASSERT_TRUE(m);
    EXPECT_EQ(m->kind, Kind::email);
    EXPECT_EQ(m->source, "bounce");
    EXPECT_FALSE(list.match(email("alice@acme.com")));
    EXPECT_FALSE(list.match(email("bob+x@acme.com")));  // +tags are distinct addresses
    EXPECT_FALSE(list.match(Identity{}));
}

TEST(Suppression, InvalidValuesAreRefused) {
    SuppressionList list;
    std::string why;
    EXPECT_EQ(list.add({Kind::email, "bob@", "operator", false}, &why), AddResult::invalid);
    EXPECT_NE(why.find("empty domain"), std::string::npos) << why;
    EXPECT_EQ(list.add({Kind::domain, "com", "operator", false}, &why), AddResult::invalid);
    EXPECT_NE(why.find("no dot"), std::string::npos) << why;
    EXPECT_EQ(list.add({Kind::phone, "06 12 34 56 78", "operator", false}, &why),
              AddResult::invalid);
    EXPECT_NE(why.find("no default country"), std::string::npos) << why;
    EXPECT_EQ(list.add({Kind::linkedin, "linkedin.com/company/acme", "operator", false}, &why),
              AddResult::invalid);
    EXPECT_NE(why.find("company"), std::string::npos) << why;
    EXPECT_EQ(list.size(), 0u);
}

struct DomainCase {
    std::string blocked;
    std::string address;
    bool matches;
};

class DomainMatch : public testing::TestWithParam<DomainCase> {};

TEST_P(DomainMatch, DomainAndSubdomains) {
    const auto& c = GetParam();
    SuppressionList list;
    ASSERT_EQ(list.add({Kind::domain, c.blocked, "operator", false}), AddResult::added);
    auto m = list.match(email(c.address));
    EXPECT_EQ(bool(m), c.matches) << c.blocked << " vs " << c.address;
    if (m) {
        EXPECT_EQ(m->kind, Kind::domain);
    }
}

INSTANTIATE_TEST_SUITE_P(Table, DomainMatch,
                         testing::Values(DomainCase{"acme.com", "a@acme.com", true},
                                         DomainCase{"acme.com", "a@eu.acme.com", true},
                                         DomainCase{"acme.com", "a@x.eu.acme.com", true},
                                         DomainCase{"acme.com", "a@notacme.com", false},
                                         DomainCase{"acme.com", "a@acme.com.evil.io", false},
                                         DomainCase{"acme.com", "a@acme.co", false},
                                         DomainCase{"acme.com", "acme.com@gmail.com", false},
                                         DomainCase{"@ACME.com", "a@acme.com", true},
                                         DomainCase{"*.acme.com", "a@eu.acme.com", true},
                                         DomainCase{"eu.acme.com", "a@eu.acme.com", true},
                                         DomainCase{"eu.acme.com", "a@fr.eu.acme.com", true},
                                         DomainCase{"eu.acme.com", "a@acme.com", false},
                                         DomainCase{"eu.acme.com", "a@us.acme.com", false},
                                         DomainCase{"acme.co.uk", "a@sales.acme.co.uk", true},
                                         DomainCase{"acme.co.uk", "a@co.uk", false}));

TEST(Suppression, PhoneAndLinkedin) {
    SuppressionList list;
    EXPECT_EQ(list.add({Kind::phone, "+33 6 12 34 56 78", "operator", false}), AddResult::added);
    EXPECT_EQ(list.add({Kind::linkedin, "fr.linkedin.com/in/Jane-Doe/", "import", false}),
              AddResult::added);
    auto p = list.match(Identity{"x@acme.com", "+33612345678", {}});
    ASSERT_TRUE(p);
    EXPECT_EQ(p->kind, Kind::phone);
    auto l = list.match(Identity{{}, {}, "https://www.linkedin.com/in/jane-doe"});
    ASSERT_TRUE(l);
    EXPECT_EQ(l->kind, Kind::linkedin);
    EXPECT_EQ(l->value, "https://www.linkedin.com/in/jane-doe");
    EXPECT_FALSE(list.match(Identity{{}, "+33612345679", "https://www.linkedin.com/in/john"}));
}

TEST(Suppression, MatchOrderAndMatchAll) {
    SuppressionList list;
    list.add({Kind::linkedin, "linkedin.com/in/bob", "operator", false});
    list.add({Kind::phone, "+14155552671", "operator", false});
    list.add({Kind::domain, "acme.com", "operator", false});
    list.add({Kind::domain, "eu.acme.com", "operator", false});
    list.add({Kind::email, "bob@eu.acme.com", "unsubscribe", false});
    Identity bob{"bob@eu.acme.com", "+14155552671", "https://www.linkedin.com/in/bob"};
    EXPECT_EQ(list.match(bob)->kind, Kind::email);
    auto all = list.match_all(bob);
    ASSERT_EQ(all.size(), 5u);
    EXPECT_EQ(all[0].value, "bob@eu.acme.com");
    EXPECT_EQ(all[1].value, "eu.acme.com");  // closest domain first
    EXPECT_EQ(all[2].value, "acme.com");
    EXPECT_EQ(all[3].kind, Kind::phone);
    EXPECT_EQ(all[4].kind, Kind::linkedin);
    Identity alice{"alice@eu.acme.com", {}, {}};
    EXPECT_EQ(list.match(alice)->value, "eu.acme.com");
    EXPECT_TRUE(list.match_all(Identity{"a@other.org", {}, {}}).empty());
}

TEST(Suppression, UnsubscribesAreLockedAgainstOperators) {
    SuppressionList list;
    // Source "unsubscribe" locks even if the caller forgot to.
    EXPECT_EQ(list.add({Kind::email, "bob@acme.com", "unsubscribe", false}), AddResult::added);
    EXPECT_TRUE(list.entries()[0].locked);
    std::string why;
    EXPECT_FALSE(list.remove(Kind::email, "BOB@acme.com", /*by_operator=*/true, &why));
    EXPECT_NE(why.find("suppressed by the person (unsubscribe)"), std::string::npos) << why;
    EXPECT_NE(why.find("operator cannot remove"), std::string::npos) << why;
    EXPECT_EQ(list.size(), 1u);
    // The person (preference page) can lift it.
    EXPECT_TRUE(list.remove(Kind::email, "bob@acme.com", /*by_operator=*/false, &why));
    EXPECT_EQ(list.size(), 0u);
}

TEST(Suppression, OperatorCanRemoveUnlockedEntries) {
    SuppressionList list;
    list.add({Kind::email, "bob@acme.com", "bounce", false});
    list.add({Kind::domain, "acme.com", "operator", false});
    std::string why;
    EXPECT_TRUE(list.remove(Kind::domain, "@ACME.COM", true, &why)) << why;
    EXPECT_TRUE(list.remove(Kind::email, "bob@acme.com", true, &why)) << why;
    EXPECT_EQ(list.size(), 0u);
    EXPECT_FALSE(list.remove(Kind::email, "bob@acme.com", true, &why));
    EXPECT_NE(why.find("not on the suppression list"), std::string::npos) << why;
    EXPECT_FALSE(list.remove(Kind::email, "bob", true, &why));
    EXPECT_NE(why.find("no @"), std::string::npos) << why;
}

TEST(Suppression, LockedOperatorEntryIsAlsoProtected) {
    SuppressionList list;
    list.add({Kind::phone, "+33612345678", "operator", true});
    std::string why;
    EXPECT_FALSE(list.remove(Kind::phone, "+33 6 12 34 56 78", true, &why));
    EXPECT_NE(why.find("operator cannot remove"), std::string::npos) << why;
}

TEST(Suppression, ReAddingKeepsOneEntryAndUpgradesToLocked) {
    SuppressionList list;
    EXPECT_EQ(list.add({Kind::email, "bob@acme.com", "operator", false}), AddResult::added);
    EXPECT_EQ(list.add({Kind::email, "Bob@Acme.com", "import", false}), AddResult::already_present);
    EXPECT_EQ(list.find(Kind::email, "bob@acme.com")->source, "operator");
    EXPECT_EQ(list.add({Kind::email, "bob@acme.com", "unsubscribe", false}), AddResult::locked_now);
    auto e = list.find(Kind::email, "bob@acme.com");
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->locked);
    EXPECT_EQ(e->source, "unsubscribe");
    // An operator re-adding does not unlock it.
    EXPECT_EQ(list.add({Kind::email, "bob@acme.com", "operator", false}),
              AddResult::already_present);
    EXPECT_TRUE(list.find(Kind::email, "bob@acme.com")->locked);
    EXPECT_EQ(list.size(), 1u);
}

TEST(Suppression, EntriesAreSortedByKindThenValue) {
    SuppressionList list;
    list.add({Kind::linkedin, "linkedin.com/in/zed", "import", false});
    list.add({Kind::domain, "b.com", "import", false});
    list.add({Kind::email, "z@a.com", "import", false});
    list.add({Kind::domain, "a.com", "import", false});
    list.add({Kind::email, "a@a.com", "import", false});
    list.add({Kind::phone, "+33612345678", "import", false});
    std::vector<std::string> values;
    for (const auto& e : list.entries()) values.push_back(e.value);
    EXPECT_EQ(values,
              (std::vector<std::string>{"a@a.com", "z@a.com", "a.com", "b.com", "+33612345678",
                                        "https://www.linkedin.com/in/zed"}));
}

TEST(Suppression, GmailFoldingIsOptIn) {
    SuppressionList plain;
    plain.add({Kind::email, "j.doe@gmail.com", "unsubscribe", true});
    EXPECT_FALSE(plain.match(email("jdoe+x@googlemail.com")));
    EXPECT_TRUE(plain.match(email("j.doe@gmail.com")));

    SuppressionList folded(/*fold_gmail=*/true);
    folded.add({Kind::email, "j.doe@gmail.com", "unsubscribe", true});
    auto m = folded.match(email("jdoe+x@googlemail.com"));
    ASSERT_TRUE(m);
    EXPECT_EQ(m->value, "j.doe@gmail.com");  // the address as given is kept
    EXPECT_EQ(folded.add({Kind::email, "JDoe@gmail.com", "import", false}),
              AddResult::already_present);
    EXPECT_FALSE(folded.match(email("j.doe@acme.com")));
    std::string why;
    EXPECT_FALSE(folded.remove(Kind::email, "jdoe@gmail.com", true, &why));
    EXPECT_TRUE(folded.remove(Kind::email, "jdoe@gmail.com", false, &why)) << why;
}

TEST(Suppression, IdentifyThenMatch) {
    SuppressionList list;
    list.add({Kind::domain, "acme.com", "operator", false});
    auto id = identify({{"Work Email", "Jane@EU.Acme.com"}}, "FR");
    EXPECT_TRUE(list.match(id));
}

// A suppression under one spelling of an internationalised domain holds under every other
// (MÜLLER.de, müller.de, xn--mller-kva.de), for addresses, domains and subdomains alike.
TEST(Suppression, InternationalisedDomainSpellingsAreOnePerson) {
    const std::vector<std::string> spellings = {"M\xC3\x9CLLER.de", "m\xC3\xBCller.de",
                                                "xn--mller-kva.de", "XN--MLLER-KVA.DE"};
    for (const auto& blocked : spellings) {
        SuppressionList by_address;
        ASSERT_EQ(by_address.add({Kind::email, "anna@" + blocked, "unsubscribe", true}),
                  AddResult::added);
        SuppressionList by_domain;
        ASSERT_EQ(by_domain.add({Kind::domain, "@" + blocked, "operator", false}),
                  AddResult::added);
        for (const auto& reached : spellings) {
            auto id = identify({{"email", "Anna@" + reached}}, "");
            EXPECT_TRUE(by_address.match(id)) << blocked << " / " << reached;
            EXPECT_TRUE(by_domain.match(id)) << blocked << " / " << reached;
            EXPECT_TRUE(by_domain.match(identify({{"email", "bob@eu." + reached}}, "")))
                << blocked << " / eu." << reached;
            EXPECT_EQ(by_address.add({Kind::email, "anna@" + reached, "operator", false}),
                      AddResult::already_present);
        }
        EXPECT_FALSE(by_domain.match(identify({{"email", "anna@mueller.de"}}, "")));
        EXPECT_TRUE(by_address.remove(Kind::email, "anna@xn--mller-kva.de", false));
    }
}

struct ParseCase {
    std::string text;
    Kind kind;
    std::string value;
};
// Test names show the entry, not the struct's bytes (which differ from one build to the next).
void PrintTo(const ParseCase& c, std::ostream* os) {
    *os << '"' << c.text << '"';
}

class ParseEntry : public testing::TestWithParam<ParseCase> {};

TEST_P(ParseEntry, GuessesKind) {
    const auto& c = GetParam();
    std::string why;
    auto e = parse_entry(c.text, &why, "FR");
    ASSERT_TRUE(e) << c.text << ": " << why;
    EXPECT_EQ(e->kind, c.kind) << c.text;
    EXPECT_EQ(e->value, c.value) << c.text;
    EXPECT_EQ(e->source, "");
    EXPECT_FALSE(e->locked);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseEntry,
    testing::Values(ParseCase{"@acme.com", Kind::domain, "acme.com"},
                    ParseCase{"acme.com", Kind::domain, "acme.com"},
                    ParseCase{" EU.Acme.com ", Kind::domain, "eu.acme.com"},
                    ParseCase{"*.acme.com", Kind::domain, "acme.com"},
                    ParseCase{"a@b.co", Kind::email, "a@b.co"},
                    ParseCase{"Bob@Acme.com", Kind::email, "bob@acme.com"},
                    ParseCase{"mailto:bob@acme.com", Kind::email, "bob@acme.com"},
                    ParseCase{"+33 6 12 34 56 78", Kind::phone, "+33612345678"},
                    ParseCase{"0033612345678", Kind::phone, "+33612345678"},
                    ParseCase{"06.12.34.56.78", Kind::phone, "+33612345678"},  // default country FR
                    ParseCase{"tel:+1-415-555-2671", Kind::phone, "+14155552671"},
                    ParseCase{"https://www.linkedin.com/in/jane-doe/", Kind::linkedin,
                              "https://www.linkedin.com/in/jane-doe"},
                    ParseCase{"linkedin.com/in/Jane-Doe", Kind::linkedin,
                              "https://www.linkedin.com/in/jane-doe"},
                    ParseCase{"bob@linkedin.com", Kind::email, "bob@linkedin.com"},
                    ParseCase{"linkedin.com", Kind::domain, "linkedin.com"},
                    ParseCase{"email:Bob@acme.com", Kind::email, "bob@acme.com"},
                    ParseCase{"domain:acme.com", Kind::domain, "acme.com"},
                    ParseCase{"phone:+33612345678", Kind::phone, "+33612345678"},
                    ParseCase{"linkedin:https://www.linkedin.com/in/jane-doe", Kind::linkedin,
                              "https://www.linkedin.com/in/jane-doe"}));

struct ParseError {
    std::string text;
    std::string reason;
};
void PrintTo(const ParseError& c, std::ostream* os) {
    *os << '"' << c.text << '"';
}

class ParseEntryError : public testing::TestWithParam<ParseError> {};

TEST_P(ParseEntryError, NamesTheProblem) {
    const auto& c = GetParam();
    std::string why;
    auto e = parse_entry(c.text, &why);
    EXPECT_FALSE(e) << c.text;
    EXPECT_NE(why.find(c.reason), std::string::npos) << c.text << ": " << why;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseEntryError,
    testing::Values(
        ParseError{"", "empty entry"}, ParseError{"   ", "empty entry"},
        ParseError{"bob", "cannot tell what \"bob\" is"}, ParseError{"acme", "cannot tell what"},
        ParseError{"bob@", "email \"bob@\": email has an empty domain"},
        ParseError{"@com", "domain \"@com\": domain \"com\" has no dot"},
        ParseError{"06 12 34 56 78", "phone \"06 12 34 56 78\": national number"},
        ParseError{"+33 6 12", "phone"},
        ParseError{"https://www.linkedin.com/sales/lead/ACwAA123", "Sales Navigator"},
        ParseError{"https://www.linkedin.com/company/acme", "company page suppresses no one"},
        ParseError{"https://acme.test/contact", "not a LinkedIn URL"},
        ParseError{"lnkd.in/abc", "short link"},
        ParseError{"acme.com/contact", "linkedin \"acme.com/contact\": not a LinkedIn URL"},
        ParseError{"email:not-an-email", "email \"not-an-email\": email has no @"},
        ParseError{"phone:abc", "letters"}));

TEST(ParseEntry, PhoneNeedsDefaultCountryForNationalNumbers) {
    // A national number is read with the default country given.
    std::string why;
    EXPECT_FALSE(parse_entry("(415) 555-2671", &why, "FR"));
    EXPECT_EQ(parse_entry("(415) 555-2671", &why, "US")->value, "+14155552671");
}

}  // namespace
}  // namespace relance::contacts
