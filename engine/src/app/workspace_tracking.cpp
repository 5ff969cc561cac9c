// The tracking operations of a workspace (docs/tracking.md): the open pixel, click redirects and
// one-click unsubscribe. Each verifies the link's token, finds the message's run (its contact
// is the run's: no address travels in a URL), judges bots, and records the event through
// add_event, deduplicated by an id derived from the link.
#include <nlohmann/json.hpp>
#include <relance/app/error.hpp>
#include <relance/app/workspace.hpp>
#include <relance/model/config.hpp>
#include <relance/tracking/bots.hpp>
#include <relance/tracking/key.hpp>
#include <relance/tracking/token.hpp>

namespace relance::app {

namespace {

using tracking::Link;
using tracking::LinkKind;

Error bad_token() {
    return Error(ErrorKind::not_found, "this tracking link is not valid", "token");
}

// The run a message belongs to, when it is still stored and has a contact.
std::optional<store::Run> run_of(store::Store& store, const std::string& message_id) {
    std::string run_id = tracking::run_id_of(message_id);
    if (run_id.empty()) return std::nullopt;
    auto run = store.get_run(run_id);
    if (!run || run->contact_key.empty()) return std::nullopt;
    return run;
}

// When the message was sent: the end of the step row that sent it.
std::optional<std::int64_t> sent_at(store::Store& store, const store::Run& run,
                                    const std::string& message_id) {
    std::optional<std::int64_t> at;
    for (const auto& s : store.list_steps(run.id))
        if (s.message_id == message_id &&
            (s.status == store::StepStatus::succeeded || s.status == store::StepStatus::reconciled))
            at = s.finished_at.value_or(s.started_at);
    return at;
}

}  // namespace

const std::string& Workspace::tracking_key() {
    std::lock_guard g(tracking_m_);
    if (!tracking_key_) {
        try {
            const SecretSeal& seal = secret_seal();
            tracking::KeySealing sealing{
                [&seal](std::string_view plain) { return seal.seal(plain); },
                [&seal](std::string_view sealed) { return seal.open(sealed); }};
            tracking_key_ = tracking::load_key(store(), to_unix_ms(clock_.now()), sealing);
        } catch (const Error&) {
            throw;
        } catch (const std::exception& e) {
            throw Error(ErrorKind::failure, e.what());
        }
    }
    return *tracking_key_;
}

namespace {

Link verified(const std::string& token, const std::string& key, LinkKind kind) {
    std::string_view t(token);
    if (kind == LinkKind::open && t.size() > 4 && t.substr(t.size() - 4) == ".gif")
        t.remove_suffix(4);
    auto link = tracking::verify(t, key);
    if (!link || link->kind != kind) throw bad_token();
    return std::move(*link);
}

}  // namespace

TrackOutcome Workspace::track_open(const TrackingHit& hit) {
    Link link = verified(hit.token, tracking_key(), LinkKind::open);
    TrackOutcome out;
    if (!hit.record) return out;
    auto run = run_of(store(), link.message_id);
    if (!run) return out;
    auto cfg = config();
    bool trust = cfg && cfg->tracking.trust_forwarded_for;
    std::string address = tracking::client_address(hit.peer, hit.forwarded_for, trust);
    tracking::BotVerdict verdict = tracking::classify_open({hit.user_agent, address, {}});
    EventInput event;
    event.contact = run->contact_key;
    event.message = link.message_id;
    event.type = verdict.bot ? "opened_bot" : "opened";
    // One open per message (and one machine open): a person reopening is not news.
    event.id = std::string(verdict.bot ? "track:ob:" : "track:o:") + link.message_id;
    *event.data = nlohmann::json::object();
    if (verdict.bot) {
        (*event.data)["bot"] = true;
        (*event.data)["bot_reason"] = verdict.reason;
    }
    if (!verdict.proxy.empty()) (*event.data)["proxy"] = verdict.proxy;
    out.bot = verdict.bot;
    out.bot_reason = verdict.reason;
    out.event = add_event(event);
    out.recorded = out.event.recorded;
    return out;
}

TrackOutcome Workspace::track_click(const TrackingHit& hit) {
    Link link = verified(hit.token, tracking_key(), LinkKind::click);
    TrackOutcome out;
    out.url = link.url;
    if (!hit.record) return out;
    auto run = run_of(store(), link.message_id);
    if (!run) return out;
    auto cfg = config();
    std::chrono::milliseconds window =
        cfg ? cfg->tracking.scanner_window : model::TrackingSettings{}.scanner_window;
    bool trust = cfg && cfg->tracking.trust_forwarded_for;
    std::string address = tracking::client_address(hit.peer, hit.forwarded_for, trust);
    tracking::Hit facts{hit.user_agent, address, {}};
    std::int64_t now = to_unix_ms(clock_.now());
    if (auto at = sent_at(store(), *run, link.message_id))
        facts.since_send = std::chrono::milliseconds{now - *at};
    tracking::BotVerdict verdict = tracking::classify_click(facts, window);
    EventInput event;
    event.contact = run->contact_key;
    event.message = link.message_id;
    event.type = verdict.bot ? "clicked_bot" : "clicked";
    // One click per link of the message, and one machine click per link.
    event.id = std::string(verdict.bot ? "track:cb:" : "track:c:") + link.message_id + ":" +
               std::to_string(link.index);
    *event.data = nlohmann::json{{"url", link.url}, {"link", link.index}};
    if (verdict.bot) {
        (*event.data)["bot"] = true;
        (*event.data)["bot_reason"] = verdict.reason;
    }
    out.bot = verdict.bot;
    out.bot_reason = verdict.reason;
    out.event = add_event(event);
    out.recorded = out.event.recorded;
    return out;
}

UnsubscribePage Workspace::unsubscribe_page(const std::string& token) {
    Link link = verified(token, tracking_key(), LinkKind::unsubscribe);
    UnsubscribePage page;
    auto run = run_of(store(), link.message_id);
    if (!run) throw Error(ErrorKind::not_found, "the message of this link is not known", "token");
    const std::string& key = run->contact_key;
    std::size_t colon = key.find(':');
    if (colon != std::string::npos)
        page.suppressed =
            store().get_suppression(key.substr(0, colon), key.substr(colon + 1)).has_value();
    return page;
}

runtime::EventOutcome Workspace::unsubscribe_by_token(const std::string& token) {
    Link link = verified(token, tracking_key(), LinkKind::unsubscribe);
    auto run = run_of(store(), link.message_id);
    if (!run) throw Error(ErrorKind::not_found, "the message of this link is not known", "token");
    EventInput event;
    event.contact = run->contact_key;
    event.message = link.message_id;
    event.type = "unsubscribed";
    event.id = "track:u:" + link.message_id;
    *event.data = nlohmann::json{{"via", "one_click"}};
    return add_event(event);
}

}  // namespace relance::app
