// Sender accounts through the executor on the virtual clock: caps, pace, ramp-up and domain caps
// held across workflows; work over a limit deferred (never dropped) with the reason in the
// timeline; a lead keeps its sender, new leads spread over the pool; the sender's zone as the
// window's last fallback. The crash test with a rate-limited backlog is in crash_test.cpp.
#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>

#include "runtime_env.hpp"

namespace relance::test {
namespace {

using store::RunStatus;

// One email step sent from `senders`; `name` tells workflows apart.
std::string one_mail(const std::string& name, const std::string& senders,
                     const std::string& schedule = "") {
    return "name: " + name + R"(
version: 1
inputs:
  email: {type: string, required: true}
)" + schedule +
           "senders: " + senders + R"(
steps:
  - id: intro
    uses: sendgrid.send
    with: {to: "{{ contact.email }}", subject: "intro", text: "hi from {{ sender.vars.name }}"}
)";
}

std::string mailbox(const std::string& id, const std::string& limits,
                    const std::string& extra = "") {
    return "  - id: " + id + "\n    channel: email\n    with: {from: " + id +
           "}\n    vars: {name: " + id.substr(0, id.find('@')) + "}\n    limits: " + limits + "\n" +
           extra;
}

json lead(const std::string& email) {
    return {{"email", email}};
}

// `n` leads, each at its own domain: "p0@d0.test", "p1@d1.test"... for the pattern "p@d".
std::vector<json> distinct_leads(int n, const std::string& pattern) {
    auto at = pattern.find('@');
    std::vector<json> out;
    for (int i = 0; i < n; ++i)
        out.push_back(lead(pattern.substr(0, at) + std::to_string(i) + "@" +
                           pattern.substr(at + 1) + std::to_string(i) + ".test"));
    return out;
}

// Every message of the outbox: (the time it was recorded, from, to).
struct Sent {
    std::int64_t at;
    std::string from, to;
};
std::vector<Sent> sent(RuntimeEnv& env) {
    std::vector<Sent> out;
    for (const auto& e : env.outbox())
        out.push_back(
            {e.recorded_at, e.entry->value("from", ""), (*e.entry)["to"][0].get<std::string>()});
    return out;
}

std::string detail_of(RuntimeEnv& env, const std::string& run_id, const std::string& status) {
    for (const auto& s : env.steps(run_id))
        if (store::to_string(s.status) == status) return s.detail;
    return {};
}

constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;

TEST(Senders, DailyCapHoldsAcrossTwoWorkflowsSharingOneMailbox) {
    RuntimeEnv env;
    env.use_config("senders:\n" + mailbox("alice@acme.test", "{daily_cap: 3}"));
    auto a = env.start(one_mail("campaign_a", "alice@acme.test"),
                       {lead("p1@one.test"), lead("p2@two.test")});
    auto b = env.start(one_mail("campaign_b", "alice@acme.test"),
                       {lead("p3@three.test"), lead("p4@four.test")});
    ASSERT_EQ(a.started.size() + b.started.size(), 4u);
    env.executor->run_due();

    auto first_day = sent(env);
    ASSERT_EQ(first_day.size(), 3u) << "the cap is 3 across both workflows";
    for (const auto& s : first_day) EXPECT_EQ(s.from, "alice@acme.test");
    // The fourth is deferred, not failed or dropped, and says why.
    std::vector<std::string> all = a.started;
    all.insert(all.end(), b.started.begin(), b.started.end());
    std::string waiting;
    for (const auto& id : all)
        if (env.run(id).status == RunStatus::waiting) waiting = id;
    ASSERT_FALSE(waiting.empty());
    std::string why = detail_of(env, waiting, "deferred");
    EXPECT_EQ(
        why.rfind("mailbox daily cap (3 in 24 h) of alice@acme.test; next send allowed at ", 0), 0u)
        << why;
    EXPECT_NE(env.run(waiting).reason.find("mailbox daily cap"), std::string::npos);
    ASSERT_TRUE(env.store->next_due().has_value());
    EXPECT_EQ(*env.store->next_due(), kT0 + kDayMs) << "the oldest send leaves the 24 h window";

    EXPECT_EQ(detail_of(env, a.started[0], "succeeded"), "from alice@acme.test")
        << "the timeline names the mailbox";
    env.drive();
    auto all_sent = sent(env);
    ASSERT_EQ(all_sent.size(), 4u);
    EXPECT_EQ(all_sent.back().at, kT0 + kDayMs);
    for (const auto& id : all) EXPECT_EQ(env.run(id).status, RunStatus::completed) << id;
}

TEST(Senders, PerMinuteRateAndMinimumGapWithJitterPaceTheSends) {
    RuntimeEnv env;
    env.use_config("senders:\n" +
                   mailbox("alice@acme.test", "{per_minute: 2, min_gap: 10s, gap_jitter: 5s}"));
    std::vector<json> leads = distinct_leads(8, "p@d");
    env.start(one_mail("paced", "alice@acme.test"), leads);
    env.drive(200);
    auto s = sent(env);
    ASSERT_EQ(s.size(), 8u);
    bool some_jitter = false;
    for (std::size_t i = 1; i < s.size(); ++i) {
        std::int64_t gap = s[i].at - s[i - 1].at;
        EXPECT_GE(gap, 10'000) << "send " << i;
        if (gap % 1000 != 0 || gap > 10'000) some_jitter = true;
    }
    EXPECT_TRUE(some_jitter) << "gaps are not all exactly the minimum";
    for (std::size_t i = 2; i < s.size(); ++i)
        EXPECT_GE(s[i].at - s[i - 2].at, 60'000) << "three sends within one minute at " << i;
}

TEST(Senders, RampUpGrowsTheDailyCapDayByDay) {
    RuntimeEnv env;
    env.use_config("senders:\n" +
                   mailbox("new@acme.test", "{ramp_up: {start: 2, step_per_day: 1, max: 3}}"));
    std::vector<json> leads = distinct_leads(8, "p@x");
    auto r = env.start(one_mail("ramp", "new@acme.test"), leads);
    env.drive(200);
    std::map<std::int64_t, int> per_day;
    for (const auto& s : sent(env)) ++per_day[(s.at - kT0) / kDayMs];
    EXPECT_EQ(per_day[0], 2);
    EXPECT_EQ(per_day[1], 3);
    EXPECT_EQ(per_day[2], 3) << "the ramp stops at its max";
    bool ramp_reason = false;
    for (const auto& id : r.started)
        ramp_reason |= detail_of(env, id, "deferred").rfind("ramp-up day 0: cap 2", 0) == 0;
    EXPECT_TRUE(ramp_reason);
}

TEST(Senders, RampUpDayZeroIsTheFirstSendNotTheFirstLook) {
    RuntimeEnv env;
    env.clock.set(from_unix_ms(1'780'740'000'000));  // Sat 2026-06-06 10:00 UTC
    env.use_config("senders:\n" +
                   mailbox("new@acme.test", "{ramp_up: {start: 1, step_per_day: 1, max: 5}}"));
    std::vector<json> leads = distinct_leads(3, "p@y");
    env.start(one_mail("weekdays", "new@acme.test",
                       "schedule:\n  timezone: UTC\n  window: \"mon-fri 09:00-17:00\"\n"),
              leads);
    env.drive(100);
    auto s = sent(env);
    ASSERT_EQ(s.size(), 3u);
    const std::int64_t monday = 1'780'909'200'000;  // Mon 2026-06-08 09:00 UTC
    EXPECT_EQ(s[0].at, monday);
    EXPECT_EQ(s[1].at, monday + kDayMs) << "Monday was day 0 (cap 1), not day 2";
    EXPECT_EQ(s[2].at, monday + kDayMs) << "Tuesday is day 1 (cap 2)";
}

TEST(Senders, DeferredSendsSpreadOverThePoolInsteadOfQueueingOnOneMailbox) {
    RuntimeEnv env;
    env.use_config("senders:\n" + mailbox("ann@acme.test", "{min_gap: 60s}") +
                   mailbox("bob@acme.test", "{min_gap: 60s}") +
                   "pools:\n  team: [ann@acme.test, bob@acme.test]\n");
    std::vector<json> leads = distinct_leads(6, "p@z");
    env.start(one_mail("spread", "team"), leads);
    env.drive(100);
    auto s = sent(env);
    ASSERT_EQ(s.size(), 6u);
    std::map<std::string, int> per_sender;
    for (const auto& x : s) ++per_sender[x.from];
    EXPECT_EQ(per_sender["ann@acme.test"], 3);
    EXPECT_EQ(per_sender["bob@acme.test"], 3);
    EXPECT_EQ(s.back().at, kT0 + 120'000) << "two mailboxes send six in two minutes";
}

// Waiting sends count against the account's caps when the next one is placed: a mailbox
// with room for one more today does not collect a queue it cannot send, so every lead is
// deferred once at most and the pool's other mailbox takes the rest.
TEST(Senders, TheQueueOfAnAccountRespectsItsCaps) {
    RuntimeEnv env;
    env.use_config("senders:\n" + mailbox("lea@acme.test", "{daily_cap: 2, min_gap: 60s}") +
                   mailbox("sam@acme.test", "{min_gap: 60s}") +
                   "pools:\n  team: [lea@acme.test, sam@acme.test]\n");
    std::vector<json> leads = distinct_leads(6, "q@w");
    auto r = env.start(one_mail("queue", "team"), leads);
    env.drive(100);
    auto s = sent(env);
    ASSERT_EQ(s.size(), 6u);
    std::map<std::string, int> per_sender;
    for (const auto& x : s) ++per_sender[x.from];
    EXPECT_EQ(per_sender["lea@acme.test"], 2);
    EXPECT_EQ(per_sender["sam@acme.test"], 4);
    EXPECT_EQ(s.back().at, kT0 + 180'000);
    for (const auto& id : r.started) {
        int deferred = 0;
        for (const auto& st : env.steps(id)) deferred += st.status == store::StepStatus::deferred;
        EXPECT_LE(deferred, 1) << id << ": " << statuses(env.steps(id));
    }
}

// A backlog paced by a gap with jitter: each run waits for its place once, comes back to it,
// and is not sent to the back of the queue again (which once left the mailbox idle).
TEST(Senders, ARunComingBackToItsPlaceIsNotRequeued) {
    RuntimeEnv env;
    env.use_config("senders:\n" + mailbox("one@acme.test", "{min_gap: 60s, gap_jitter: 30s}"));
    auto r = env.start(one_mail("backlog", "one@acme.test"), distinct_leads(20, "b@v"));
    env.drive(200);
    auto s = sent(env);
    ASSERT_EQ(s.size(), 20u);
    for (std::size_t i = 1; i < s.size(); ++i) EXPECT_GE(s[i].at - s[i - 1].at, 60'000);
    EXPECT_LE(s.back().at, kT0 + 19 * 90'000) << "the mailbox sat idle";
    for (const auto& id : r.started) {
        int deferred = 0;
        for (const auto& st : env.steps(id)) deferred += st.status == store::StepStatus::deferred;
        EXPECT_LE(deferred, 1) << id << ": " << statuses(env.steps(id));
    }
}

TEST(Senders, AStoppedContactTakesNoSlot) {
    RuntimeEnv env;
    env.use_config("senders:\n" + mailbox("alice@acme.test", "{daily_cap: 1}"));
    env.store->put_suppression({"email", "gone@one.test", "operator", false, "", kT0});
    auto r = env.start(one_mail("stopped", "alice@acme.test"),
                       {lead("gone@one.test"), lead("here@two.test")});
    env.executor->run_due();
    EXPECT_EQ(env.run(r.started[0]).status, RunStatus::exited);
    EXPECT_EQ(env.run(r.started[1]).status, RunStatus::completed)
        << "the suppressed contact held the only slot: " << env.run(r.started[1]).reason;
    EXPECT_EQ(sent(env).size(), 1u);
}

TEST(Senders, RecipientDomainCapDefersOnlyThatDomain) {
    RuntimeEnv env;
    env.use_config("senders:\n" + mailbox("alice@acme.test", "{per_domain_daily_cap: 2}"));
    auto r = env.start(
        one_mail("domains", "alice@acme.test"),
        {lead("a@bigco.test"), lead("b@bigco.test"), lead("c@BigCo.test"), lead("d@other.test")});
    env.executor->run_due();
    auto s = sent(env);
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(env.run(r.started[2]).status, RunStatus::waiting);
    EXPECT_EQ(detail_of(env, r.started[2], "deferred")
                  .rfind("domain cap bigco.test (2 in 24 h) of alice@acme.test", 0),
              0u)
        << detail_of(env, r.started[2], "deferred");
    env.drive();
    EXPECT_EQ(sent(env).size(), 4u);
    EXPECT_EQ(sent(env).back().at, kT0 + kDayMs);
}

TEST(Senders, LeadKeepsItsFirstSenderAndNewLeadsSpreadOverThePool) {
    RuntimeEnv env;
    env.use_config("senders:\n" + mailbox("ann@acme.test", "{daily_cap: 100}") +
                   mailbox("bob@acme.test", "{daily_cap: 100}") +
                   "pools:\n  team: [ann@acme.test, bob@acme.test]\n");
    const std::string two_steps = R"(name: two_steps
version: 1
inputs:
  email: {type: string, required: true}
senders: team
steps:
  - id: intro
    uses: sendgrid.send
    with: {to: "{{ contact.email }}", subject: intro, text: "hi"}
  - wait: 12h
  - id: follow_up
    uses: sendgrid.send
    with: {to: "{{ contact.email }}", subject: follow_up, text: "again"}
)";
    env.start(two_steps,
              {lead("l1@a.test"), lead("l2@b.test"), lead("l3@c.test"), lead("l4@d.test")});
    env.executor->run_due();
    std::map<std::string, std::string> first;  // lead -> sender of the intro
    std::map<std::string, int> per_sender;
    for (const auto& s : sent(env)) {
        first[s.to] = s.from;
        ++per_sender[s.from];
    }
    EXPECT_EQ(per_sender["ann@acme.test"], 2) << "new leads rotate over the pool";
    EXPECT_EQ(per_sender["bob@acme.test"], 2);

    // Ann is now full for the day: her leads' follow-ups still come from her, the day she may.
    env.use_config("senders:\n" + mailbox("ann@acme.test", "{daily_cap: 2}") +
                   mailbox("bob@acme.test", "{daily_cap: 100}") +
                   "pools:\n  team: [ann@acme.test, bob@acme.test]\n");
    env.drive();
    for (const auto& s : sent(env)) EXPECT_EQ(s.from, first[s.to]) << s.to << " changed sender";
    EXPECT_EQ(sent(env).size(), 8u);

    // Another workflow writing to the same contact later keeps the contact's sender too.
    env.start(one_mail("later", "team"), {lead("l2@b.test")});
    env.drive();
    EXPECT_EQ(sent(env).back().to, "l2@b.test");
    EXPECT_EQ(sent(env).back().from, first["l2@b.test"]);
}

TEST(Senders, ASendTheProviderRefusedDoesNotUseTheCap) {
    RuntimeEnv env({{"sendgrid", {{"fail_next", json::array({{{"status", 400}}})}}}});
    env.use_config("senders:\n" + mailbox("alice@acme.test", "{daily_cap: 1}"));
    auto refused = env.start_one(one_mail("refused", "alice@acme.test"), lead("bad@one.test"));
    env.executor->run_due();
    EXPECT_EQ(env.run(refused).status, RunStatus::failed);
    EXPECT_TRUE(env.store->sends_of("alice@acme.test", 0).empty());

    env.clock.advance(Millis{3600 * 1000});
    auto good = env.start_one(one_mail("refused", "alice@acme.test"), lead("good@two.test"));
    env.executor->run_due();
    EXPECT_EQ(env.run(good).status, RunStatus::completed)
        << "the refused send freed its slot: " << env.run(good).reason;
    ASSERT_EQ(env.store->sends_of("alice@acme.test", 0).size(), 1u);
    EXPECT_EQ(env.store->sends_of("alice@acme.test", 0)[0].contact_key, "email:good@two.test");
}

TEST(Senders, TheSenderZoneIsTheWindowsLastFallback) {
    RuntimeEnv env;  // kT0 is Tue 2023-11-14 22:13:20 UTC: 17:13 in New York
    env.use_config("senders:\n" +
                   mailbox("ny@acme.test", "{}", "    timezone: America/New_York\n"));
    auto id = env.start_one(
        one_mail("ny_hours", "ny@acme.test", "schedule:\n  window: \"mon-fri 09:00-17:00\"\n"),
        lead("p@x.test"));
    env.executor->run_due();
    EXPECT_EQ(env.run(id).status, RunStatus::waiting);
    std::string why = detail_of(env, id, "deferred");
    EXPECT_NE(why.find("in America/New_York"), std::string::npos) << why;
    env.drive();
    ASSERT_EQ(sent(env).size(), 1u);
    // Wed 2023-11-15 09:00 EST = 14:00 UTC.
    EXPECT_EQ(sent(env)[0].at, 1'700'056'800'000);
}

TEST(Senders, WithoutTheConfigTheSendWaitsAndSaysWhy) {
    RuntimeEnv env;  // no use_config
    auto id = env.start_one(one_mail("no_config", "team"), lead("p@x.test"));
    env.executor->run_due();
    EXPECT_EQ(env.run(id).status, RunStatus::waiting);
    EXPECT_NE(detail_of(env, id, "deferred").find("no config file names the senders team"),
              std::string::npos)
        << detail_of(env, id, "deferred");
    EXPECT_TRUE(env.outbox().empty());
}

}  // namespace
}  // namespace relance::test
