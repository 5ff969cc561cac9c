// What happens to contacts, through the engine: events that stop runs (stop_on), and the global
// suppression list. Used by `relance event add`, `relance suppress`, and (later) webhooks.
#pragma once

#include <optional>
#include <relance/base/clock.hpp>
#include <relance/store/store.hpp>
#include <string>
#include <vector>

namespace relance::runtime {

using json = nlohmann::json;

// The store key of a contact written as an email, a phone number (E.164), a LinkedIn profile
// URL, or a key ("email:a@b.test"). std::nullopt, with the reason, when it is none of those.
std::optional<std::string> contact_key_of(const std::string& text, std::string* why);

// The key a run's contact is known by, from its inputs (email first, then phone, LinkedIn).
// `problems` receives one line per identifier column holding an invalid value.
std::string contact_key_from_inputs(const json& inputs,
                                    std::vector<std::string>* problems = nullptr);
// Every key the contact is known by (email, phone, LinkedIn), the main one first: an event
// recorded under any of them concerns the run.
std::vector<std::string> identity_keys_from_inputs(const json& inputs);

struct EventOutcome {
    bool recorded = false;  // false: this event id was recorded before
    std::string event_id;
    std::string contact_key;
    std::vector<std::string> stopped;    // runs ended by their workflow's stop_on
    std::vector<std::string> in_flight;  // runs a worker holds now: its check before the next
                                         // call stops them
    std::vector<std::string> woken;      // runs waiting for this event (wait_for), now due
    std::optional<store::Suppression> suppressed;  // added to the suppression list
};

// Records an event for a contact once (by event_id; generated from the content when empty),
// ends the contact's runs whose workflow stops on this type, and puts unsubscribes and spam
// complaints (locked: an operator cannot lift them) and hard bounces on the suppression list.
EventOutcome record_contact_event(store::Store& store, const std::string& contact,
                                  const std::string& type, std::string event_id,
                                  std::int64_t occurred_at, const json& data, const Clock& clock,
                                  const std::string& message_id = {});

// The suppression row for `text` (an email, "@domain" or a domain, a phone, a LinkedIn URL),
// added by `source` at `now`: locked when the person asked for it (source "unsubscribe"), so no
// operator can lift it. std::nullopt with the reason in `why` when `text` is no entry.
std::optional<store::Suppression> suppression_of(const std::string& text, const std::string& source,
                                                 const std::string& reason, std::int64_t now,
                                                 std::string* why);

// Adds `text` (an email, "@domain" or a domain, a phone, a LinkedIn URL) to the suppression
// list. Returns the entry as stored, or std::nullopt with the reason in `why`.
std::optional<store::Suppression> suppress(store::Store& store, const std::string& text,
                                           const std::string& source, const std::string& reason,
                                           const Clock& clock, std::string* why);

// Removes an entry as an operator: refused (the reason in `why`) for text that is not an entry,
// an entry not on the list, and an entry that came from the person (an unsubscribe).
enum class Unsuppress { removed, not_an_entry, not_listed, locked };
Unsuppress unsuppress(store::Store& store, const std::string& text, std::string* why);

}  // namespace relance::runtime
