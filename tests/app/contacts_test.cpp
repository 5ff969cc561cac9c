// Contacts as people through the Workspace, on a real SQLite file worked by a real executor:
// records and their merge, history, erasure (a run in progress stops, the person stays
// suppressed as a hash), the suppression list a page at a time and its import.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <relance/app/contacts.hpp>
#include <relance/app/error.hpp>
#include <relance/app/workspace.hpp>
#include <relance/base/digest.hpp>
#include <relance/contacts/hashed.hpp>

#include "../runtime/runtime_env.hpp"

namespace relance::test {
namespace {

using app::ErrorKind;
using store::RunStatus;
using Input = app::Workspace::ContactInput;

const char* const kWaitThenCall = R"(
name: wait-then-call
version: 1
inputs:
  email: {type: string, required: true}
  phone: {type: string}
steps:
  - id: pause
    wait: 1d
  - id: call
    uses: noop.pass
    with: {to: "{{ contact.email }}"}
)";

class ContactsTest : public ::testing::Test {
  protected:
    ContactsTest() {
        app::WorkspaceOptions o;
        o.store = "sqlite:" + env.db_path;
        o.plugins.path = {RELANCE_PLUGIN_DIR};
        ws = std::make_unique<app::Workspace>(std::move(o), env.clock);
    }

    template <typename Body>
    app::Error error_of(Body&& body) {
        try {
            body();
        } catch (const app::Error& e) {
            return e;
        }
        ADD_FAILURE() << "no app::Error";
        return app::Error(ErrorKind::failure, "none");
    }

    static Input input(std::optional<std::string> email, std::optional<std::string> phone,
                       nlohmann::json attributes = nlohmann::json::object()) {
        Input in;
        in.email = std::move(email);
        in.phone = std::move(phone);
        *in.attributes = std::move(attributes);
        return in;
    }

    RuntimeEnv env;
    std::unique_ptr<app::Workspace> ws;
};

TEST_F(ContactsTest, UpsertMergesAndRefusesIdentitiesOfTwoPeople) {
    auto first = ws->upsert_contact(input("Ana@Acme.test", std::nullopt, {{"plan", "pro"}}));
    EXPECT_TRUE(first.created);
    EXPECT_EQ(first.contact.key, "email:ana@acme.test");
    auto second = ws->upsert_contact(
        input("ana@acme.test", "+33612345678", {{"plan", nullptr}, {"seats", 2}}));
    EXPECT_FALSE(second.created);
    EXPECT_EQ(*second.contact.attributes, nlohmann::json({{"seats", 2}}));
    EXPECT_EQ(second.contact.identities,
              std::vector<std::string>({"email:ana@acme.test", "phone:+33612345678"}));
    // Found by the phone alone.
    EXPECT_EQ(ws->contact("+33 6 12 34 56 78", 10).record->key, "email:ana@acme.test");

    ws->upsert_contact(input("bo@acme.test", std::nullopt));
    auto conflict = error_of([&] { ws->upsert_contact(input("bo@acme.test", "+33612345678")); });
    EXPECT_EQ(conflict.kind(), ErrorKind::conflict);
    EXPECT_EQ(conflict.field(), "phone");
    EXPECT_EQ(ws->contact("bo@acme.test", 10).identities.size(), 1u);

    EXPECT_EQ(error_of([&] { ws->upsert_contact(input(std::nullopt, std::nullopt)); }).field(),
              "email");
    EXPECT_EQ(error_of([&] { ws->upsert_contact(input("bo@", std::nullopt)); }).field(), "email");
    EXPECT_EQ(error_of([&] {
                  ws->upsert_contact(input("bo@acme.test", std::nullopt, {1, 2}));
              }).field(),
              "attributes");
    auto unknown = error_of([&] { ws->contact("nobody@acme.test", 10); });
    EXPECT_EQ(unknown.kind(), ErrorKind::not_found);
    EXPECT_EQ(unknown.field(), "contact");
    EXPECT_EQ(error_of([&] { ws->contact("nobody", 10); }).kind(), ErrorKind::invalid);
}

TEST_F(ContactsTest, ErasureStopsTheRunsAndKeepsThePersonSuppressedAsAHash) {
    std::string waiting =
        env.start_one(kWaitThenCall, {{"email", "ana@acme.test"}, {"phone", "+33612345678"}});
    env.executor->run_due();
    ASSERT_EQ(env.run(waiting).status, RunStatus::waiting);
    ws->add_event({"ana@acme.test", "opened", "ev1", 0, {}, ""});
    ws->suppress("+33612345678", "operator", "asked");
    ws->upsert_contact(input("ana@acme.test", std::nullopt, {{"plan", "pro"}}));

    // Another run held by a worker right now: the erasure takes its lease with its row.
    env.clock.advance(Millis{2 * 86'400'000});
    auto held = env.store->claim_due("other-worker", env.now(), 10, env.now() + 60'000);
    ASSERT_EQ(held.size(), 1u);
    ASSERT_EQ(held[0].id, waiting);

    auto history = ws->contact("ana@acme.test", 0);
    EXPECT_EQ(history.runs.size(), 1u);
    EXPECT_EQ(history.events.size(), 1u);
    ASSERT_EQ(history.suppressions.size(), 1u);  // the phone, linked through the run

    // The events feed (outbound webhooks) carries her runs' inputs and her events.
    auto feed_mentions = [&](const std::string& text) {
        int n = 0;
        for (const auto& e : ws->events_feed({0, false, {}, 1000}).events)
            if (e.data.find(text) != std::string::npos) ++n;
        return n;
    };
    EXPECT_GT(feed_mentions("ana@acme.test"), 0);
    EXPECT_GT(feed_mentions(waiting), 0);

    auto erased = ws->erase_contact("email:ana@acme.test");
    EXPECT_EQ(feed_mentions("ana@acme.test"), 0);
    EXPECT_EQ(feed_mentions(waiting), 0);
    EXPECT_EQ(erased.erased.runs, std::vector<std::string>{waiting});
    EXPECT_EQ(erased.erased.events, 1);
    EXPECT_EQ(erased.erased.suppressions, 1);
    EXPECT_TRUE(erased.erased.record);
    EXPECT_EQ(erased.identities,
              std::vector<std::string>({"email:ana@acme.test", "phone:+33612345678"}));
    EXPECT_FALSE(env.store->get_run(waiting));
    EXPECT_EQ(env.store->lost_leases({{waiting, held[0].lease}}),
              std::vector<std::string>{waiting});
    // Only hashes are left on the list, and they are the keys' SHA-256.
    auto list = ws->suppressions();
    ASSERT_EQ(list.size(), 2u);
    for (const auto& s : list) {
        EXPECT_EQ(s.kind, "hashed");
        EXPECT_TRUE(s.locked);
    }
    EXPECT_TRUE(env.store->get_suppression("hashed", sha256_hex("email:ana@acme.test")));
    EXPECT_EQ(contacts::hashed_identity("phone:+33612345678"), sha256_hex("phone:+33612345678"));

    // What is left of her: the hashed entries, nothing personal.
    auto after = ws->contact("ana@acme.test", 0);
    EXPECT_FALSE(after.record);
    EXPECT_TRUE(after.runs.empty());
    EXPECT_TRUE(after.events.empty());
    EXPECT_EQ(after.suppressions.size(), 1u);

    // Started again, her run stops before the call: the hashed entry matches.
    std::string again = env.start_one(kWaitThenCall, {{"email", "Ana@ACME.test"}});
    env.drive();
    store::Run run = env.run(again);
    EXPECT_EQ(run.status, RunStatus::exited);
    EXPECT_NE(run.reason.find("erased contact"), std::string::npos) << run.reason;
    EXPECT_TRUE(env.steps_of(again, "call").empty() ||
                env.steps_of(again, "call").back().status == store::StepStatus::cancelled)
        << statuses(env.steps(again));
    // Someone else is not affected.
    std::string other = env.start_one(kWaitThenCall, {{"email", "bo@acme.test"}});
    env.drive();
    EXPECT_EQ(env.run(other).status, RunStatus::completed);
}

TEST_F(ContactsTest, SuppressionsPageAndImport) {
    auto report = ws->import_suppressions(
        {"email", "a@x.test", "# legal", "", "@y.test", "bob@", "\"+33612345678\",Bob", "a@x.test"},
        "import", "legal");
    EXPECT_EQ(report.added, 3);
    EXPECT_EQ(report.present, 1);
    EXPECT_EQ(report.skipped, 3);
    ASSERT_EQ(report.refused.size(), 1u);
    EXPECT_EQ(report.refused[0].line, 6u);
    EXPECT_EQ(report.refused[0].entry, "bob@");

    auto p1 = ws->suppressions_page("", 2);
    ASSERT_EQ(p1.entries.size(), 2u);
    EXPECT_TRUE(p1.more);
    EXPECT_EQ(p1.entries[0].kind, "domain");
    auto last = p1.entries.back();
    auto p2 = ws->suppressions_page(last.kind + ":" + last.value, 2);
    ASSERT_EQ(p2.entries.size(), 1u);
    EXPECT_FALSE(p2.more);
    EXPECT_EQ(p2.entries[0].kind, "phone");
    EXPECT_EQ(error_of([&] { ws->suppressions_page("nocolon", 2); }).field(), "cursor");

    // A domain entry blocks z@y.test but names no one: relance holds nothing about them.
    EXPECT_EQ(error_of([&] { ws->contact("z@y.test", 10); }).kind(), ErrorKind::not_found);
    EXPECT_EQ(ws->contact("a@x.test", 10).suppressions.size(), 1u);

    std::vector<std::string> many(app::kSuppressionImportMaxLines + 1, "a@x.test");
    EXPECT_EQ(error_of([&] { ws->import_suppressions(many, "import", ""); }).kind(),
              ErrorKind::invalid);
}

}  // namespace
}  // namespace relance::test
