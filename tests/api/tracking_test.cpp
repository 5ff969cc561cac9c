// Tracking and RFC 8058 one-click unsubscribe against a real `relance serve` (docs/tracking.md):
// a send through the SendGrid emulator carries the List-Unsubscribe headers and a tracked body;
// the pixel, the click redirect and the unsubscribe routes record once, only what the signed
// token says, and nothing for a forged token; machines' opens and clicks never wake a wait_for.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <relance/tracking/token.hpp>

#include "api_fixture.hpp"

namespace relance::test {
namespace {

constexpr const char* kBase = "https://t.acme.test";
constexpr const char* kBrowser =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 "
    "Safari/537.36";

// An intro with a tracked body, then a transactional receipt once the contact clicks.
constexpr const char* kWorkflow = R"(name: tracked
version: 1
inputs:
  email: {type: string, required: true}
track: {opens: true, clicks: true}
steps:
  - id: intro
    uses: sendgrid.send
    with:
      to: "{{ contact.email }}"
      from: sam@relance-demo.test
      subject: Hello
      text: "Pricing: https://acme.test/pricing"
      html: '<html><body><p>Hi</p><a class="btn" href="https://acme.test/pricing?a=1&amp;b=2">Pricing</a> <a href="mailto:sam@relance-demo.test">Write</a> <a href="{{ run.unsubscribe_url }}">Unsubscribe</a></body></html>'
  - id: await_click
    wait_for: clicked
    timeout: 7d
    then:
      - id: receipt
        uses: sendgrid.send
        transactional: true
        track: {opens: false, clicks: false}
        with:
          to: "{{ contact.email }}"
          from: sam@relance-demo.test
          subject: Your link
          html: '<p>Thanks</p>'
    else:
      - exit: no click
)";

class Tracking : public Api {
  protected:
    // The workflow, its config (tracking on, clicks within `window` of the send are a
    // scanner's), runs for `emails`, and a server with its worker.
    void start(const std::vector<std::string>& emails, const std::string& window = "0") {
        config = (dir.path() / "relance.yaml").string();
        std::ofstream(config) << "tracking:\n  base_url: " << kBase
                              << "/\n  scanner_window: " << window << "\n";
        workflow = (dir.path() / "tracked.yaml").string();
        std::ofstream(workflow) << kWorkflow;
        std::string csv = (dir.path() / "leads.csv").string();
        std::ofstream out(csv);
        out << "email\n";
        for (const auto& e : emails) out << e << "\n";
        out.close();
        auto started = relance({"--config", config, "run", workflow, "--input", csv});
        ASSERT_EQ(started.exit_code, 0) << started.err;
        token = create_key(kAllScopes);
        start_server({"--config", config});
    }

    // The emulator's outbox: what SendGrid would have sent, oldest first.
    json outbox() {
        auto r = relance({"--json", "sandbox", "outbox", "--plugin", "sendgrid"});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        json all = json::parse(r.out, nullptr, false);
        EXPECT_TRUE(all.is_array()) << r.out;
        json out = json::array();
        if (!all.is_array()) return out;
        for (auto& e : all) out.push_back(e["entry"]);
        std::sort(out.begin(), out.end(), [](const json& a, const json& b) {
            return a.value("engine_msg_id", "") < b.value("engine_msg_id", "");
        });
        return out;
    }

    // The intro sent to `email` (waits for the worker to send it).
    json intro_to(const std::string& email) {
        auto until = std::chrono::steady_clock::now() + 60s;
        for (;;) {
            for (const auto& e : outbox())
                if (e["to"] == json::array({email}) && e["subject"] == "Hello") return e;
            if (std::chrono::steady_clock::now() > until) break;
            std::this_thread::sleep_for(100ms);
        }
        ADD_FAILURE() << "no intro to " << email << "\n" << server_log();
        return json::object();
    }

    json run_of(const std::string& email) {
        json runs = body_of(client(token).Get("/v1/runs"), 200)["runs"];
        for (const auto& r : runs)
            if (r["inputs"]["email"] == email)
                return body_of(client(token).Get("/v1/runs/" + r["id"].get<std::string>()), 200);
        ADD_FAILURE() << "no run for " << email;
        return json{{"id", ""}, {"status", ""}, {"step", ""}, {"timeline", json::array()}};
    }

    // Until the run of `email` is at `step` with `status`.
    void wait_run(const std::string& email, const std::string& step, const std::string& status) {
        auto until = std::chrono::steady_clock::now() + 30s;
        for (;;) {
            json run = run_of(email);
            if (run["step"] == step && run["status"] == status) return;
            ASSERT_LT(std::chrono::steady_clock::now(), until)
                << email << " is at " << run["step"] << " (" << run["status"] << ")\n"
                << server_log();
            std::this_thread::sleep_for(100ms);
        }
    }

    // The intro's events, by type (GET /v1/stats: events attributed by message id).
    json intro_events() {
        json steps = body_of(client(token).Get("/v1/stats/tracked"), 200)["steps"];
        json events = json::object();
        for (const auto& s : steps)
            if (s["step"] == "intro") events = s["events"];
        return events;
    }

    // The path (/t/...) of the first URL starting with kBase + prefix in `text`.
    static std::string path_in(const std::string& text, const std::string& prefix) {
        std::string start = std::string(kBase) + prefix;
        std::size_t at = text.find(start);
        if (at == std::string::npos) return "";
        std::size_t end = text.find_first_of("\"'> ", at);
        return text.substr(at + std::string(kBase).size(), end - at - std::string(kBase).size());
    }

    httplib::Result get(const std::string& path, const std::string& agent = kBrowser) {
        httplib::Headers headers;
        if (!agent.empty()) headers.emplace("User-Agent", agent);
        return client().Get(path, headers);
    }
    httplib::Result one_click(const std::string& path,
                              const std::string& body = "List-Unsubscribe=One-Click") {
        return client().Post(path, body, "application/x-www-form-urlencoded");
    }

    json suppressions() {
        return body_of(client(token).Get("/v1/suppressions"), 200)["suppressions"];
    }

    std::string config, workflow, token;
};

// A forged token: the real one with one character changed.
std::string forged(std::string path) {
    char& c = path[path.size() - 3];
    c = c == 'A' ? 'B' : 'A';
    return path;
}

TEST_F(Tracking, AMarketingSendCarriesOneClickUnsubscribeHeadersAndATrackedBody) {
    start({"ana@acme.test"});
    json intro = intro_to("ana@acme.test");
    const json& headers = intro["headers"];
    std::string list = headers.value("List-Unsubscribe", "");
    ASSERT_EQ(list.rfind(std::string("<") + kBase + "/t/u/", 0), 0u) << headers.dump(2);
    EXPECT_EQ(list.back(), '>');
    EXPECT_EQ(headers.value("List-Unsubscribe-Post", ""), "List-Unsubscribe=One-Click");
    std::string html = intro["html"];
    // The pixel before </body>, the http link tracked, the mailto: and the body's own
    // unsubscribe link (the same URL as the header's) left alone, the text untouched.
    EXPECT_NE(html.find("<img src=\"" + std::string(kBase) + "/t/o/"), std::string::npos) << html;
    EXPECT_NE(html.find("\"></body>"), std::string::npos) << html;
    EXPECT_NE(html.find("<a class=\"btn\" href=\"" + std::string(kBase) + "/t/c/"),
              std::string::npos)
        << html;
    EXPECT_EQ(html.find("acme.test/pricing"), std::string::npos) << html;
    EXPECT_NE(html.find("href=\"mailto:sam@relance-demo.test\""), std::string::npos) << html;
    EXPECT_NE(html.find("href=\"" + list.substr(1, list.size() - 2) + "\""), std::string::npos)
        << html;
    EXPECT_EQ(intro["text"], "Pricing: https://acme.test/pricing");
}

TEST_F(Tracking, ThePixelIsAGifAndRecordsOneOpenAndMachineOpensApart) {
    start({"ana@acme.test"});
    std::string pixel = path_in(intro_to("ana@acme.test")["html"], "/t/o/");
    ASSERT_FALSE(pixel.empty());
    auto r = get(pixel);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->get_header_value("Content-Type"), "image/gif");
    EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store");
    EXPECT_EQ(r->body.rfind("GIF89a", 0), 0u);
    EXPECT_EQ(r->body.size(), 43u);
    // Opened again, and without the .gif: still one open.
    EXPECT_EQ(get(pixel)->status, 200);
    EXPECT_EQ(get(pixel.substr(0, pixel.size() - 4))->status, 200);
    // Apple's privacy proxy (its bare user agent): a machine's open, recorded apart.
    EXPECT_EQ(get(pixel, "Mozilla/5.0")->status, 200);
    // A HEAD answers and records nothing.
    EXPECT_EQ(client().Head(pixel, {{"User-Agent", "curl/8.4"}})->status, 200);
    json events = intro_events();
    EXPECT_EQ(events.value("opened", 0), 1) << events.dump();
    EXPECT_EQ(events.value("opened_bot", 0), 1) << events.dump();
    EXPECT_EQ(events.size(), 2u) << events.dump();
}

TEST_F(Tracking, AClickRedirectsOnlyToItsSignedUrlAndWakesTheWaitFor) {
    start({"ana@acme.test"});
    json intro = intro_to("ana@acme.test");
    wait_run("ana@acme.test", "await_click", "waiting");
    std::string link = path_in(intro["html"], "/t/c/");
    ASSERT_FALSE(link.empty());
    // A forged token: a 404 problem, never a redirect, and nothing recorded.
    json problem = expect_problem(get(forged(link)), 404);
    EXPECT_EQ(problem["field"], "token");
    expect_problem(get("/t/c/aHR0cHM6Ly9ldmlsLnRlc3Qv"), 404);  // "https://evil.test/"
    // An open token is not a click token.
    std::string pixel = path_in(intro["html"], "/t/o/");
    expect_problem(get("/t/c/" + pixel.substr(5, pixel.size() - 9)), 404);
    EXPECT_TRUE(intro_events().empty()) << intro_events().dump();
    EXPECT_EQ(run_of("ana@acme.test")["status"], "waiting");

    auto r = get(link + "?utm_source=mail");  // a parameter a client adds changes nothing
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 302);
    // The destination the send wrote, references decoded.
    EXPECT_EQ(r->get_header_value("Location"), "https://acme.test/pricing?a=1&b=2");
    EXPECT_EQ(r->get_header_value("Referrer-Policy"), "no-referrer");
    EXPECT_EQ(get(link)->status, 302);
    EXPECT_EQ(intro_events(), json({{"clicked", 1}}));
    // The click woke the wait_for: the receipt went out, without List-Unsubscribe (it is
    // transactional).
    wait_run("ana@acme.test", "-", "completed");
    json receipt;
    for (const auto& e : outbox())
        if (e["subject"] == "Your link") receipt = e;
    ASSERT_TRUE(receipt.is_object()) << outbox().dump(2);
    EXPECT_FALSE(receipt["headers"].contains("List-Unsubscribe")) << receipt["headers"].dump();
    EXPECT_EQ(receipt["html"], "<p>Thanks</p>");  // its own track (off) wins over the workflow's
}

TEST_F(Tracking, ABotClickIsRecordedApartAndDoesNotWakeTheWaitFor) {
    // Clicks within 1h of the send are a scanner's: every click of this test.
    start({"ana@acme.test", "bob@acme.test"}, "1h");
    json intro = intro_to("ana@acme.test");
    wait_run("ana@acme.test", "await_click", "waiting");
    std::string link = path_in(intro["html"], "/t/c/");
    // A scanner follows the link at once (a browser's agent, but within the window), and a
    // known scanner's agent: both redirected, both machines'.
    EXPECT_EQ(get(link)->status, 302);
    EXPECT_EQ(get(link, "Mozilla/5.0 Proofpoint URL Defense")->status, 302);
    EXPECT_EQ(get(link, "")->status, 302);
    json events = intro_events();
    EXPECT_EQ(events.value("clicked_bot", 0), 1) << events.dump();
    EXPECT_FALSE(events.contains("clicked")) << events.dump();
    std::this_thread::sleep_for(500ms);  // a wake-up would have been taken by now
    json run = run_of("ana@acme.test");
    EXPECT_EQ(run["status"], "waiting");
    EXPECT_EQ(run["step"], "await_click");
    // Bob's run, not clicked at all, waits the same: the bot click changed nothing.
    EXPECT_EQ(run_of("bob@acme.test")["status"], "waiting");
}

TEST_F(Tracking, OneClickUnsubscribeSuppressesOnceAndTheGetPageDoesNot) {
    start({"ana@acme.test", "bob@acme.test"});
    json intro = intro_to("ana@acme.test");
    intro_to("bob@acme.test");
    wait_run("ana@acme.test", "await_click", "waiting");
    std::string list = intro["headers"].value("List-Unsubscribe", "");
    std::string path =
        list.substr(1 + std::string(kBase).size(), list.size() - 2 - std::string(kBase).size());
    // The page a person (or a link scanner) gets with a GET: a button, and nothing recorded.
    auto page = get(path);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 200);
    EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
    EXPECT_NE(page->body.find("<form method=\"post\""), std::string::npos) << page->body;
    EXPECT_NE(page->body.find("name=\"List-Unsubscribe\" value=\"One-Click\""), std::string::npos);
    EXPECT_TRUE(suppressions().empty());
    EXPECT_EQ(run_of("ana@acme.test")["status"], "waiting");

    // Refused, changing nothing: a forged token, a body without the one-click field, a JSON
    // body.
    expect_problem(one_click(forged(path)), 404);
    json no_field = expect_problem(one_click(path, "List-Unsubscribe=Maybe"), 400);
    EXPECT_EQ(no_field["field"], "List-Unsubscribe");
    json media = expect_problem(client().Post(path, "{}", "application/json"), 415);
    EXPECT_EQ(media["field"], "Content-Type");
    expect_problem(get(forged(path)), 404);
    EXPECT_TRUE(suppressions().empty());

    // RFC 8058's POST: suppressed (locked: the person's own), the run stopped.
    auto done = one_click(path);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->status, 200) << done->body;
    json list_now = suppressions();
    ASSERT_EQ(list_now.size(), 1u) << list_now.dump();
    EXPECT_EQ(list_now[0]["value"], "ana@acme.test");
    EXPECT_EQ(list_now[0]["locked"], true);
    EXPECT_EQ(list_now[0]["source"], "unsubscribe");
    json ana = run_of("ana@acme.test");
    EXPECT_EQ(ana["status"], "exited");
    EXPECT_NE(ana["reason"].get<std::string>().find("unsubscribed"), std::string::npos);
    // Again (a client retrying, the person pressing twice): the same answer, nothing new.
    EXPECT_EQ(one_click(path)->status, 200);
    EXPECT_EQ(suppressions(), list_now);
    EXPECT_EQ(intro_events(), json({{"unsubscribed", 1}}));
    // The page now says so; Bob was not touched.
    EXPECT_NE(get(path)->body.find("You are unsubscribed"), std::string::npos);
    EXPECT_EQ(run_of("bob@acme.test")["status"], "waiting");
    // A multipart one-click (some clients post that form) is accepted too.
    std::string multipart =
        "--b\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n"
        "--b--\r\n";
    auto again = client().Post(path, multipart, "multipart/form-data; boundary=b");
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 200);
}

TEST_F(Tracking, TheRoutesNeedNoKeyAndNeverLogTheToken) {
    start({"ana@acme.test"});
    std::string pixel = path_in(intro_to("ana@acme.test")["html"], "/t/o/");
    EXPECT_EQ(get(pixel)->status, 200);  // no Authorization header
    ASSERT_TRUE(log_shows("/t/o/{token}"));
    std::string token = pixel.substr(5, pixel.size() - 9);
    EXPECT_EQ(server_log().find(token), std::string::npos);
}

// The key that signs the links is kept sealed under the master key, never as it is; a key an
// older relance kept as it is gets sealed in place the first time, and is the same key: links
// already sent keep verifying.
TEST_F(Tracking, TheStoredKeyIsSealedAndAnOlderPlainKeyIsSealedInPlace) {
    ::unsetenv("RELANCE_TRACKING_KEY");
    const std::string plain(32, '\x5a');
    auto made = relance({"keys", "list"});  // the database and its schema
    ASSERT_EQ(made.exit_code, 0) << made.err;
    {
        SQLite::Database db(dir / "api.db", SQLite::OPEN_READWRITE);
        SQLite::Statement put(db, "INSERT INTO tracking_key (id, key, created_at) VALUES (1,?,1)");
        put.bind(1, plain.data(), static_cast<int>(plain.size()));
        put.exec();
    }
    start({"ana@acme.test"});
    std::string pixel = path_in(intro_to("ana@acme.test")["html"], "/t/o/");
    ASSERT_FALSE(pixel.empty());
    // Signed with the older key: the same key, sealed now.
    std::string token = pixel.substr(std::string("/t/o/").size());
    if (token.ends_with(".gif")) token.resize(token.size() - 4);
    EXPECT_TRUE(tracking::verify(token, plain));
    EXPECT_EQ(get(pixel)->status, 200);
    SQLite::Database db(dir / "api.db", SQLite::OPEN_READONLY);
    std::string stored = db.execAndGet("SELECT CAST(key AS TEXT) FROM tracking_key").getString();
    EXPECT_EQ(stored.rfind("rls1.", 0), 0u) << stored.size();
    EXPECT_EQ(stored.find(plain), std::string::npos);
}

// A new workspace's key is made sealed.
TEST_F(Tracking, ANewKeyIsMadeSealed) {
    ::unsetenv("RELANCE_TRACKING_KEY");
    start({"ana@acme.test"});
    std::string pixel = path_in(intro_to("ana@acme.test")["html"], "/t/o/");
    ASSERT_FALSE(pixel.empty());
    EXPECT_EQ(get(pixel)->status, 200);
    SQLite::Database db(dir / "api.db", SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("SELECT CAST(key AS TEXT) LIKE 'rls1.%' FROM tracking_key").getInt(),
              1);
}

}  // namespace
}  // namespace relance::test
