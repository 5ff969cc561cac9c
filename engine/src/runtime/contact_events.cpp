#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <relance/base/digest.hpp>
#include <relance/contacts/identity.hpp>
#include <relance/contacts/suppression.hpp>
#include <relance/model/workflow.hpp>
#include <relance/runtime/contact_events.hpp>
#include <relance/runtime/time_text.hpp>
#include <stdexcept>

#include "workflow_cache.hpp"

namespace relance::runtime {

namespace {

std::string content_id(const std::string& text) {
    return "evt_" + sha256_hex(text, 24);
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

std::optional<std::string> contact_key_of(const std::string& text, std::string* why) {
    for (const char* prefix : {"email:", "phone:", "linkedin:"}) {
        if (text.rfind(prefix, 0) == 0) {
            auto entry = contacts::parse_entry(text, why);
            if (!entry) return std::nullopt;
            return std::string(prefix) + entry->value;
        }
    }
    auto entry = contacts::parse_entry(text, why);
    if (!entry) return std::nullopt;
    if (entry->kind == contacts::Kind::domain) {
        if (why) *why = "'" + text + "' is a domain, not a contact";
        return std::nullopt;
    }
    return std::string(contacts::to_string(entry->kind)) + ":" + entry->value;
}

namespace {
std::vector<std::string> keys_of(const json& inputs, std::vector<std::string>* problems) {
    std::map<std::string, std::string> fields;
    if (inputs.is_object())
        for (const auto& [k, v] : inputs.items())
            if (v.is_string()) fields[k] = v.get<std::string>();
    return contacts::identity_keys(contacts::identify(fields, "", problems));
}
}  // namespace

std::string contact_key_from_inputs(const json& inputs, std::vector<std::string>* problems) {
    auto keys = keys_of(inputs, problems);
    return keys.empty() ? std::string{} : keys.front();
}

std::vector<std::string> identity_keys_from_inputs(const json& inputs) {
    return keys_of(inputs, nullptr);
}

EventOutcome record_contact_event(store::Store& store, const std::string& contact,
                                  const std::string& type, std::string event_id,
                                  std::int64_t occurred_at, const json& data, const Clock& clock,
                                  const std::string& message_id) {
    std::string why;
    auto key = contact_key_of(contact, &why);
    if (!key) throw std::invalid_argument("contact: " + why);
    if (type.empty()) throw std::invalid_argument("type: an event needs a type");
    std::int64_t now = to_unix_ms(clock.now());
    if (occurred_at <= 0) occurred_at = now;
    if (event_id.empty())
        event_id =
            content_id(*key + "|" + type + "|" + std::to_string(occurred_at) + "|" + data.dump());

    EventOutcome out;
    out.event_id = event_id;
    out.contact_key = *key;
    store::Event e;
    e.event_id = event_id;
    e.contact_key = *key;
    e.type = type;
    e.message_id = message_id;
    e.occurred_at = occurred_at;
    e.recorded_at = now;
    e.data = data.is_object() ? data : json::object();
    // An unsubscribe, a spam complaint or a hard bounce suppresses the contact in the same
    // transaction as the event itself. The first two came from the person: locked.
    std::optional<store::Suppression> suppression;
    bool hard_bounce = type == "bounced" && !data.value("soft", false);
    bool from_the_person = type == "unsubscribed" || type == "complained";
    if (from_the_person || hard_bounce) {
        store::Suppression s;
        s.kind = contacts::key_kind(*key);
        s.value = contacts::key_value(*key);
        s.source = type == "unsubscribed" ? "unsubscribe"
                   : type == "complained" ? "complaint"
                                          : "bounce";
        s.locked = from_the_person;
        s.reason = type + " (event " + event_id + ")";
        s.created_at = now;
        suppression = std::move(s);
    }
    out.recorded = store.record_event(e, suppression ? &*suppression : nullptr);
    if (!out.recorded) return out;  // a provider's retry: everything below happened already
    if (suppression) out.suppressed = store.get_suppression(suppression->kind, suppression->value);

    // No config: the rules read here (stop_on, wait_for) do not depend on the workspace
    // calendar. The versions' compiled texts are shared with every other cache in the process.
    WorkflowCache versions(store, nullptr);
    static const std::vector<std::string> kDefaultStopOn = model::Workflow{}.stop_on;
    for (const auto& run : store.active_runs_for(*key)) {
        if (run.created_at > occurred_at) continue;  // older news than the run itself
        auto v = versions.find(run.workflow_version_id);
        // A version that no longer loads keeps the default rules: never less safe.
        const auto& stop_on = v ? v->workflow.stop_on : kDefaultStopOn;
        if (!contains(stop_on, type)) {
            // Not a stop: wake the run if it waits for this event (wait_for).
            if (v && run.status == store::RunStatus::waiting && run.node >= 0 &&
                run.node < static_cast<int>(v->program.nodes.size())) {
                const auto& step = *v->program.nodes[static_cast<std::size_t>(run.node)].step;
                if (step.kind == model::StepKind::wait_for && contains(step.wait_events, type) &&
                    store.wake_idle_run(run.id, now))
                    out.woken.push_back(run.id);
            }
            continue;
        }
        store::StepRecord note;
        note.step_id = "stop_on";
        note.kind = "event";
        note.status = store::StepStatus::stopped;
        note.detail = "contact " + type + " (event " + event_id + " at " +
                      format_short(occurred_at) + "Z): the workflow stops on " + type;
        std::string reason = "stopped: contact " + type + " (event " + event_id + ")";
        if (store.exit_idle_run(run.id, reason, note, now))
            out.stopped.push_back(run.id);
        else
            out.in_flight.push_back(run.id);
    }
    return out;
}

std::optional<store::Suppression> suppression_of(const std::string& text, const std::string& source,
                                                 const std::string& reason, std::int64_t now,
                                                 std::string* why) {
    auto entry = contacts::parse_entry(text, why);
    if (!entry) return std::nullopt;
    store::Suppression s;
    s.kind = std::string(contacts::to_string(entry->kind));
    s.value = entry->value;
    s.source = source;
    s.locked = source == "unsubscribe";
    s.reason = reason;
    s.created_at = now;
    return s;
}

std::optional<store::Suppression> suppress(store::Store& store, const std::string& text,
                                           const std::string& source, const std::string& reason,
                                           const Clock& clock, std::string* why) {
    auto s = suppression_of(text, source, reason, to_unix_ms(clock.now()), why);
    if (!s) return std::nullopt;
    store.put_suppression(*s);
    return store.get_suppression(s->kind, s->value);
}

Unsuppress unsuppress(store::Store& store, const std::string& text, std::string* why) {
    auto entry = contacts::parse_entry(text, why);
    if (!entry) return Unsuppress::not_an_entry;
    std::string kind(contacts::to_string(entry->kind));
    auto current = store.get_suppression(kind, entry->value);
    if (!current) {
        if (why) *why = kind + " " + entry->value + " is not on the suppression list";
        return Unsuppress::not_listed;
    }
    if (current->locked) {
        if (why)
            *why = kind + " " + entry->value + " was suppressed by the person (" + current->source +
                   ": " + current->reason + "); an operator cannot lift it";
        return Unsuppress::locked;
    }
    // Gone between the read and the delete (another operator): it is not listed either way.
    return store.delete_suppression(kind, entry->value) ? Unsuppress::removed
                                                        : Unsuppress::not_listed;
}

}  // namespace relance::runtime
