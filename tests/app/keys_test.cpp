// API keys through the Workspace: the token shown once and stored only as a hash, scopes,
// revocation, and the per-key rate, each refusal a typed error.
#include <gtest/gtest.h>

#include <relance/app/error.hpp>
#include <relance/app/workspace.hpp>
#include <relance/store/store.hpp>

#include "../support/process.hpp"

namespace relance::test {
namespace {

using app::ErrorKind;

class KeysTest : public ::testing::Test {
  protected:
    KeysTest() : clock(from_unix_ms(1'767'603'600'000)) {
        app::WorkspaceOptions o;
        o.store = "sqlite:" + (dir / "keys.db");
        ws = std::make_unique<app::Workspace>(std::move(o), clock);
    }

    ErrorKind refusal(const std::string& token, const std::string& scope) {
        try {
            ws->authenticate(token, scope);
        } catch (const app::Error& e) {
            EXPECT_EQ(e.field(), "authorization");
            return e.kind();
        }
        ADD_FAILURE() << "accepted";
        return ErrorKind::failure;
    }

    TempDir dir;
    VirtualClock clock;
    std::unique_ptr<app::Workspace> ws;
};

TEST_F(KeysTest, TheTokenIsShownOnceAndStoredOnlyAsItsHash) {
    app::NewApiKey made = ws->create_key("zapier", {"runs:read", "contacts:write"});
    ASSERT_EQ(made.token.size(), 3u + 8 + 1 + 64);
    EXPECT_EQ(made.token.rfind("rl_", 0), 0u);
    EXPECT_EQ(made.key.prefix, made.token.substr(0, 11));
    EXPECT_EQ(made.key.id.rfind("k_", 0), 0u);
    auto rows = ws->store().list_api_keys();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_NE(rows[0].hash, made.token);
    EXPECT_EQ(rows[0].hash.find(made.token.substr(12)), std::string::npos);
    EXPECT_EQ(rows[0].hash.size(), 64u);  // hex SHA-256
    auto listed = ws->list_keys();
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].name, "zapier");
    EXPECT_EQ(listed[0].scopes, (std::vector<std::string>{"runs:read", "contacts:write"}));
    // A second key has its own token and prefix.
    app::NewApiKey other = ws->create_key("crm", {"admin"});
    EXPECT_NE(other.token, made.token);
    EXPECT_NE(other.key.prefix, made.key.prefix);
}

TEST_F(KeysTest, ScopesAreEnforcedAndAWrongTokenIsUnauthorized) {
    app::NewApiKey reader = ws->create_key("reader", {"runs:read"});
    EXPECT_EQ(ws->authenticate(reader.token, "runs:read").id, reader.key.id);
    EXPECT_EQ(refusal(reader.token, "runs:write"), ErrorKind::forbidden);
    // The right prefix with a wrong secret, a token cut short, nothing, rubbish.
    std::string forged = reader.token;
    forged.back() = forged.back() == 'a' ? 'b' : 'a';
    EXPECT_EQ(refusal(forged, "runs:read"), ErrorKind::unauthorized);
    EXPECT_EQ(refusal(reader.token.substr(0, 40), "runs:read"), ErrorKind::unauthorized);
    EXPECT_EQ(refusal("", "runs:read"), ErrorKind::unauthorized);
    EXPECT_EQ(refusal("Bearer " + reader.token, "runs:read"), ErrorKind::unauthorized);
    app::NewApiKey admin = ws->create_key("ops", {"admin"});
    for (const auto& scope : app::api_scopes())
        EXPECT_EQ(ws->authenticate(admin.token, scope).id, admin.key.id) << scope;
}

TEST_F(KeysTest, ARevokedKeyIsRefusedFromThenOn) {
    app::NewApiKey made = ws->create_key("zapier", {"runs:read"});
    ws->authenticate(made.token, "runs:read");
    app::ApiKey revoked = ws->revoke_key(made.key.prefix);
    EXPECT_TRUE(revoked.revoked_at.has_value());
    EXPECT_EQ(refusal(made.token, "runs:read"), ErrorKind::unauthorized);
    try {
        ws->revoke_key(made.key.id);
        ADD_FAILURE() << "revoked twice";
    } catch (const app::Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::conflict);
    }
    try {
        ws->revoke_key("k_nope");
        ADD_FAILURE() << "revoked a key that does not exist";
    } catch (const app::Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::not_found);
    }
}

TEST_F(KeysTest, OverItsRateAKeyIsToldWhenToComeBack) {
    app::NewApiKey made = ws->create_key("burst", {"runs:read"}, 3);
    for (int i = 0; i < 3; ++i) ws->authenticate(made.token, "runs:read");
    try {
        ws->authenticate(made.token, "runs:read");
        ADD_FAILURE() << "a fourth request in the minute passed";
    } catch (const app::Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::rate_limited);
        EXPECT_GE(e.retry_after(), 1);
        EXPECT_LE(e.retry_after(), 60);
    }
    // Another key is not slowed by this one.
    app::NewApiKey calm = ws->create_key("calm", {"runs:read"}, 3);
    ws->authenticate(calm.token, "runs:read");
    clock.advance(Millis{60'000});
    EXPECT_EQ(ws->authenticate(made.token, "runs:read").id, made.key.id);
}

TEST_F(KeysTest, ABadNameScopeOrRateIsInvalidNamingTheField) {
    struct Case {
        std::string name;
        std::vector<std::string> scopes;
        int rate;
        const char* field;
    };
    for (const Case& c :
         {Case{"", {"runs:read"}, 600, "name"}, Case{"z", {}, 600, "scopes"},
          Case{"z", {"runs:read", "root"}, 600, "scopes"}, Case{"z", {"runs:read"}, 0, "rate"}}) {
        try {
            ws->create_key(c.name, c.scopes, c.rate);
            ADD_FAILURE() << c.field;
        } catch (const app::Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::invalid);
            EXPECT_EQ(e.field(), c.field);
        }
    }
    EXPECT_TRUE(ws->list_keys().empty());  // nothing was written
}

}  // namespace
}  // namespace relance::test
