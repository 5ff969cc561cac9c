#include "relance/contacts/identity.hpp"

#include <gtest/gtest.h>

namespace relance::contacts {
namespace {

using Record = std::map<std::string, std::string>;

bool has_problem(const std::vector<std::string>& problems, const std::string& fragment) {
    for (const auto& p : problems) {
        if (p.find(fragment) != std::string::npos) return true;
    }
    return false;
}

TEST(Identify, CommonColumns) {
    std::vector<std::string> problems;
    auto id = identify({{"email", " Jane@Acme.com "},
                        {"phone", "06 12 34 56 78"},
                        {"linkedin", "fr.linkedin.com/in/jane-doe/"},
                        {"first_name", "Jane"}},
                       "FR", &problems);
    EXPECT_EQ(id.email, "jane@acme.com");
    EXPECT_EQ(id.phone, "+33612345678");
    EXPECT_EQ(id.linkedin, "https://www.linkedin.com/in/jane-doe");
    EXPECT_TRUE(problems.empty());
    EXPECT_FALSE(id.empty());
}

struct Case {
    Record record;
    Identity expected;
};

class IdentifyColumns : public testing::TestWithParam<Case> {};

TEST_P(IdentifyColumns, Reads) {
    std::vector<std::string> problems;
    EXPECT_EQ(identify(GetParam().record, "FR", &problems), GetParam().expected);
    EXPECT_TRUE(problems.empty()) << problems.front();
}

INSTANTIATE_TEST_SUITE_P(
    Table, IdentifyColumns,
    testing::Values(
        Case{{{"E-mail", "a@acme.com"}}, {"a@acme.com", {}, {}}},
        Case{{{"Mail", "a@acme.com"}}, {"a@acme.com", {}, {}}},
        Case{{{"Work Email", "a@acme.com"}}, {"a@acme.com", {}, {}}},
        Case{{{"work_email", "a@acme.com"}}, {"a@acme.com", {}, {}}},
        Case{{{"\xEF\xBB\xBF"
               "email",
               "a@acme.com"}},
             {"a@acme.com", {}, {}}},  // CSV BOM
        Case{{{" EMAIL ", "a@acme.com"}}, {"a@acme.com", {}, {}}},
        Case{{{"Mobile", "+44 7400 123456"}}, {{}, "+447400123456", {}}},
        Case{{{"Phone Number", "01 23 45 67 89"}}, {{}, "+33123456789", {}}},
        Case{{{"phone-number", "01 23 45 67 89"}}, {{}, "+33123456789", {}}},
        Case{{{"LinkedIn URL", "linkedin.com/in/bob"}},
             {{}, {}, "https://www.linkedin.com/in/bob"}},
        Case{{{"linkedin_profile", "linkedin.com/in/bob"}},
             {{}, {}, "https://www.linkedin.com/in/bob"}},
        // Preference order: email before work_email, phone before mobile.
        Case{{{"work_email", "w@acme.com"}, {"email", "e@acme.com"}}, {"e@acme.com", {}, {}}},
        Case{{{"mobile", "0611111111"}, {"phone", "0122222222"}}, {{}, "+33122222222", {}}},
        // Empty values are skipped without a problem.
        Case{{{"email", "  "}, {"work_email", "w@acme.com"}}, {"w@acme.com", {}, {}}},
        Case{{{"email", ""}, {"phone", ""}, {"linkedin", ""}}, {}},
        Case{{{"name", "Bob"}, {"emails", "a@acme.com"}}, {}}));

TEST(Identify, InvalidValuesAreReportedWithTheirColumn) {
    std::vector<std::string> problems;
    auto id = identify({{"Email", "bob@"},
                        {"work_email", "bob@acme.com"},
                        {"phone", "12345"},
                        {"LinkedIn", "https://www.linkedin.com/sales/lead/ACwAA,NAME"}},
                       "FR", &problems);
    EXPECT_EQ(id.email, "bob@acme.com");  // the next column is used
    EXPECT_FALSE(id.phone);
    EXPECT_FALSE(id.linkedin);
    ASSERT_EQ(problems.size(), 3u);
    EXPECT_TRUE(has_problem(problems,
                            "Email: \"bob@\" is not a valid email: email has an empty "
                            "domain"));
    EXPECT_TRUE(has_problem(problems, "phone: \"12345\" is not a valid phone number: "));
    EXPECT_TRUE(has_problem(problems, "LinkedIn: "));
    EXPECT_TRUE(has_problem(problems, "Sales Navigator"));
}

TEST(Identify, CompanyPageIsNotAPerson) {
    std::vector<std::string> problems;
    auto id = identify({{"linkedin_url", "linkedin.com/company/acme"}}, "FR", &problems);
    EXPECT_FALSE(id.linkedin);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_TRUE(has_problem(problems, "company page")) << problems[0];
}

TEST(Identify, NationalPhoneWithoutKnownCountry) {
    std::vector<std::string> problems;
    auto id = identify({{"phone", "06 12 34 56 78"}, {"email", "a@acme.com"}}, "XX", &problems);
    EXPECT_EQ(id.email, "a@acme.com");
    EXPECT_FALSE(id.phone);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_TRUE(has_problem(problems, "no numbering rules")) << problems[0];
    // International numbers do not need the default country.
    EXPECT_EQ(identify({{"phone", "+33 6 12 34 56 78"}}, "").phone, "+33612345678");
}

TEST(Identify, AllInvalidGivesEmptyIdentity) {
    std::vector<std::string> problems;
    auto id = identify({{"email", "nope"}, {"mail", "also nope"}, {"mobile", "call me"}}, "FR",
                       &problems);
    EXPECT_TRUE(id.empty());
    EXPECT_EQ(problems.size(), 3u);
    EXPECT_TRUE(has_problem(problems, "mail: \"also nope\""));
}

TEST(Identify, ProblemsAreOptional) {
    auto id = identify({{"email", "nope"}, {"phone", "0612345678"}}, "FR");
    EXPECT_FALSE(id.email);
    EXPECT_EQ(id.phone, "+33612345678");
}

TEST(IdentityKeys, InOrderForPresentIdentifiers) {
    Identity id{"j.doe+x@gmail.com", "+33612345678", "https://www.linkedin.com/in/jane-doe"};
    EXPECT_EQ(identity_keys(id),
              (std::vector<std::string>{"email:j.doe+x@gmail.com", "phone:+33612345678",
                                        "linkedin:https://www.linkedin.com/in/jane-doe"}));
    EXPECT_EQ(identity_keys(id, true)[0], "email:jdoe@gmail.com");
    EXPECT_EQ(identity_keys(Identity{{}, "+33612345678", {}}),
              (std::vector<std::string>{"phone:+33612345678"}));
    EXPECT_TRUE(identity_keys(Identity{}).empty());
}

TEST(IdentityKeys, SamePersonAcrossSpellings) {
    auto a = identify({{"Email", "Jane@ACME.com"}, {"Phone", "06 12 34 56 78"}}, "FR");
    auto b = identify({{"work_email", "jane@acme.com"}, {"mobile", "+33 6 12 34 56 78"}}, "US");
    EXPECT_EQ(identity_keys(a), identity_keys(b));
    auto c = identify({{"email", "jdoe@googlemail.com"}}, "FR");
    auto d = identify({{"email", "J.Doe+promo@gmail.com"}}, "FR");
    EXPECT_NE(identity_keys(c), identity_keys(d));
    EXPECT_EQ(identity_keys(c, true), identity_keys(d, true));
}

}  // namespace
}  // namespace relance::contacts
