// The contact operations of a workspace that treat a contact as a person: the record and its
// attributes, the history across runs, events and sends, the GDPR export and erasure, the
// suppression list a page at a time and its import, and the sender accounts' status.
#include <nlohmann/json.hpp>
#include <relance/app/contacts.hpp>
#include <relance/app/error.hpp>
#include <relance/contacts/hashed.hpp>
#include <relance/contacts/identity.hpp>
#include <relance/contacts/suppression.hpp>
#include <relance/model/config.hpp>
#include <relance/runtime/contact_events.hpp>
#include <relance/runtime/runs.hpp>
#include <set>

namespace relance::app {

namespace {

std::string key_of(const std::string& contact) {
    std::string why;
    auto key = runtime::contact_key_of(contact, &why);
    if (!key) throw Error(ErrorKind::invalid, why, "contact");
    return *key;
}

// The identity field `name` normalised as `kind`, as a contact key; invalid naming the field.
std::optional<std::string> identity_field(const std::optional<std::string>& text,
                                          contacts::Kind kind, const char* name) {
    if (!text) return std::nullopt;
    std::string why;
    auto value = contacts::normalize_entry_value(kind, *text, &why);
    if (!value) throw Error(ErrorKind::invalid, std::string(name) + ": " + why, name);
    return std::string(contacts::to_string(kind)) + ":" + *value;
}

// The entries of the suppression list that block a person known by these keys: each key's own
// entry, the email domains and their parents, and the hashed entries of erased people.
std::vector<store::Suppression> blocking_entries(store::Store& store,
                                                 const std::vector<std::string>& keys) {
    std::vector<std::pair<std::string, std::string>> wanted;
    for (const auto& key : keys) {
        std::string kind = contacts::key_kind(key), value = contacts::key_value(key);
        wanted.emplace_back(kind, value);
        if (kind == "email") {
            // a@eu.acme.test is blocked by eu.acme.test and by acme.test.
            std::string domain = value.substr(value.rfind('@') + 1);
            for (;;) {
                wanted.emplace_back("domain", domain);
                auto dot = domain.find('.');
                if (dot == std::string::npos) break;
                domain = domain.substr(dot + 1);
            }
        }
        wanted.emplace_back(std::string(contacts::kHashedKind), contacts::hashed_identity(key));
    }
    std::vector<store::Suppression> out;
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& [kind, value] : wanted)
        if (seen.emplace(kind, value).second)
            if (auto s = store.get_suppression(kind, value)) out.push_back(std::move(*s));
    return out;
}

// Whether an entry names the person (a domain entry names no one: it says nothing about them).
bool names_someone(const std::vector<store::Suppression>& entries) {
    for (const auto& e : entries)
        if (e.kind != "domain") return true;
    return false;
}

}  // namespace

Workspace::ContactUpsert Workspace::upsert_contact(const ContactInput& input) {
    std::vector<std::string> keys;
    std::vector<const char*> fields;
    for (auto [text, kind, name] :
         {std::tuple{&input.email, contacts::Kind::email, "email"},
          std::tuple{&input.phone, contacts::Kind::phone, "phone"},
          std::tuple{&input.linkedin, contacts::Kind::linkedin, "linkedin"}})
        if (auto key = identity_field(*text, kind, name)) {
            keys.push_back(*key);
            fields.push_back(name);
        }
    if (keys.empty())
        throw Error(ErrorKind::invalid, "a contact needs an email, a phone or a LinkedIn URL",
                    "email");
    const nlohmann::json& attributes = *input.attributes;
    if (!attributes.is_object())
        throw Error(ErrorKind::invalid, "attributes must be a JSON object", "attributes");
    if (attributes.dump().size() > kContactAttributesMaxBytes)
        throw Error(
            ErrorKind::invalid,
            "attributes take more than " + std::to_string(kContactAttributesMaxBytes) + " bytes",
            "attributes");
    auto out = store().upsert_contact(keys, attributes, to_unix_ms(clock_.now()));
    if (!out.contact) {
        std::size_t i = 0;
        while (i < keys.size() && keys[i] != out.conflict) ++i;
        throw Error(ErrorKind::conflict,
                    out.conflict + " belongs to another contact than the other identities given",
                    i < fields.size() ? fields[i] : "email");
    }
    return {std::move(*out.contact), out.created};
}

Workspace::ContactHistory Workspace::contact(const std::string& contact, int limit) {
    ContactHistory h;
    h.key = key_of(contact);
    h.limit = limit;
    auto& st = store();
    h.record = st.find_contact(h.key);
    h.identities = h.record ? h.record->identities : std::vector<std::string>{h.key};
    // The identities the person's runs were started with belong to their history too.
    auto keys = st.linked_identities(h.identities);
    h.suppressions = blocking_entries(st, keys);
    // One more than shown tells whether there are more.
    int ask = limit > 0 ? limit + 1 : 0;
    h.events = st.contact_events(keys, ask);
    h.sends = st.contact_sends(keys, ask);
    auto runs = st.contact_runs(keys, ask);
    auto trim = [&](auto& list, bool& more) {
        if (limit > 0 && list.size() > static_cast<std::size_t>(limit)) {
            list.resize(static_cast<std::size_t>(limit));
            more = true;
        }
    };
    trim(h.events, h.more_events);
    trim(h.sends, h.more_sends);
    trim(runs, h.more_runs);
    if (!h.record && h.events.empty() && h.sends.empty() && runs.empty() &&
        !names_someone(h.suppressions))
        throw Error(ErrorKind::not_found, "relance holds nothing about " + h.key, "contact");
    if (limit > 0) {
        runtime::RunSteps steps(st);
        for (auto& r : runs) {
            RunDetail d;
            d.step = steps.step_id(r);
            d.run = std::move(r);
            h.runs.push_back(std::move(d));
        }
    } else {
        for (const auto& r : runs) h.runs.push_back(get_run(r.id));  // the whole timeline
    }
    return h;
}

Workspace::ContactErasure Workspace::erase_contact(const std::string& contact) {
    ContactErasure out;
    out.key = key_of(contact);
    auto& st = store();
    auto record = st.find_contact(out.key);
    out.identities =
        st.linked_identities(record ? record->identities : std::vector<std::string>{out.key});
    std::int64_t now = to_unix_ms(clock_.now());
    if (!record && st.contact_events(out.identities, 1).empty() &&
        st.contact_runs(out.identities, 1).empty() && st.contact_sends(out.identities, 1).empty() &&
        !names_someone(blocking_entries(st, out.identities)))
        throw Error(ErrorKind::not_found,
                    "relance holds nothing about " + out.key +
                        " (to keep an address from ever being contacted, suppress it)",
                    "contact");
    for (const auto& key : out.identities) {
        store::Suppression s;
        s.kind = std::string(contacts::kHashedKind);
        s.value = contacts::hashed_identity(key);
        s.source = "erasure";
        s.locked = true;  // the person asked: no operator lifts it
        s.reason = "erased on request";
        s.created_at = now;
        out.hashed.push_back(std::move(s));
    }
    out.erased = st.erase_contact(out.identities, out.hashed, now);
    return out;
}

Workspace::SuppressionPage Workspace::suppressions_page(const std::string& after, int limit) {
    std::optional<std::pair<std::string, std::string>> from;
    if (!after.empty()) {
        auto colon = after.find(':');
        if (colon == std::string::npos || colon == 0)
            throw Error(ErrorKind::invalid, "cursor does not name a suppression entry", "cursor");
        from.emplace(after.substr(0, colon), after.substr(colon + 1));
    }
    SuppressionPage page;
    page.entries = store().suppressions_page(from, limit + 1);
    if (page.entries.size() > static_cast<std::size_t>(limit)) {
        page.entries.resize(static_cast<std::size_t>(limit));
        page.more = true;
    }
    return page;
}

Workspace::SuppressionImport Workspace::import_suppressions(const std::vector<std::string>& lines,
                                                            const std::string& source,
                                                            const std::string& reason) {
    if (lines.size() > kSuppressionImportMaxLines)
        throw Error(ErrorKind::invalid,
                    "an import takes at most " + std::to_string(kSuppressionImportMaxLines) +
                        " lines (" + std::to_string(lines.size()) + " given): split it",
                    "entries");
    SuppressionImport report;
    std::vector<store::Suppression> entries;
    std::int64_t now = to_unix_ms(clock_.now());
    for (std::size_t i = 0; i < lines.size(); ++i) {
        // CSV: the first column, its quotes and the spaces around it dropped.
        std::string v = lines[i].substr(0, lines[i].find(','));
        while (!v.empty() && (v.back() == '\r' || v.back() == ' ' || v.back() == '\t'))
            v.pop_back();
        std::size_t lead = v.find_first_not_of(" \t");
        v = lead == std::string::npos ? std::string() : v.substr(lead);
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        if (i == 0 && v.rfind("\xEF\xBB\xBF", 0) == 0) v = v.substr(3);  // a byte-order mark
        if (v.empty() || v[0] == '#') {
            ++report.skipped;
            continue;
        }
        if (i == 0) {  // a CSV header line names the column
            std::string h = v;
            for (auto& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (h == "email" || h == "value" || h == "entry" || h == "domain" || h == "phone" ||
                h == "linkedin" || h == "contact") {
                ++report.skipped;
                continue;
            }
        }
        std::string why;
        auto s = runtime::suppression_of(v, source, reason, now, &why);
        if (!s) {
            report.refused.push_back({i + 1, v.substr(0, 200), why});
            continue;
        }
        entries.push_back(std::move(*s));
    }
    for (bool changed : store().put_suppressions(entries))
        ++(changed ? report.added : report.present);
    return report;
}

Workspace::SenderReport Workspace::senders() {
    SenderReport report;
    report.config = config();
    auto& st = store();
    if (report.config) {
        report.configured = true;
        report.senders = runtime::sender_status(st, *report.config, clock_.now());
        for (const auto& s : report.senders)
            report.accounts.push_back(report.config->find_sender(s.id));
    }
    report.pauses = st.list_account_pauses();
    return report;
}

std::size_t Workspace::resume_account(const std::string& account) {
    auto woken = store().resume_account(account, to_unix_ms(clock_.now()));
    if (!woken)
        throw Error(ErrorKind::not_found,
                    "account " + account + " is not paused (see `relance senders paused`)",
                    "account");
    return *woken;
}

}  // namespace relance::app
