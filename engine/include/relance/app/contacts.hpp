// What the contact operations of a workspace take and return: a contact's upsert, its history
// (GET /v1/contacts/{contact}, the GDPR export), its erasure, the suppression list a page at a
// time and its import, the sender accounts' status. Their JSON views are in
// relance/app/contact_views.hpp.
#pragma once

#include <optional>
#include <relance/app/workspace.hpp>
#include <relance/runtime/senders.hpp>
#include <relance/store/store.hpp>
#include <string>
#include <vector>

namespace relance::app {

// The most history entries of each kind GET /v1/contacts/{contact} shows (newest first), and
// the most the export holds (every one a person may have, in practice).
inline constexpr int kContactHistoryLimit = 100;
inline constexpr int kContactExportLimit = 100000;
// The most lines one suppression import takes.
inline constexpr std::size_t kSuppressionImportMaxLines = 10000;
// The most bytes a contact's attributes take, serialised.
inline constexpr std::size_t kContactAttributesMaxBytes = 64 * 1024;

struct Workspace::ContactInput {
    std::optional<std::string> email;
    std::optional<std::string> phone;  // E.164 (+ and the country code)
    std::optional<std::string> linkedin;
    JsonValue attributes = JsonValue::object();  // a merge patch: null removes a member
};

struct Workspace::ContactUpsert {
    store::Store::ContactRecord contact;
    bool created = false;
};

struct Workspace::ContactHistory {
    std::string key;                                    // the identity asked for, as a key
    std::optional<store::Store::ContactRecord> record;  // none: never upserted
    std::vector<std::string> identities;                // the record's, else the key
    std::vector<store::Suppression> suppressions;  // the entries blocking them, hashed included
    std::vector<store::Event> events;              // newest first
    std::vector<RunDetail> runs;                   // newest first; timelines with limit 0 only
    std::vector<store::Send> sends;                // newest first
    int limit = 0;                                 // what was asked (0 = all)
    bool more_events = false, more_runs = false, more_sends = false;  // past the limit
};

struct Workspace::ContactErasure {
    std::string key;
    std::vector<std::string> identities;  // every identity erased (the linked ones included)
    store::Store::ContactErasure erased;
    std::vector<store::Suppression> hashed;  // the entries now keeping them suppressed
};

struct Workspace::SuppressionPage {
    std::vector<store::Suppression> entries;
    bool more = false;  // another page follows
};

struct Workspace::SuppressionImport {
    struct Refusal {
        std::size_t line = 0;  // 1-based
        std::string entry;
        std::string reason;
    };
    std::int64_t added = 0;    // new entries, or entries that changed (locked now)
    std::int64_t present = 0;  // already on the list as they are
    std::int64_t skipped = 0;  // blank, comment and header lines
    std::vector<Refusal> refused;
};

struct Workspace::SenderReport {
    bool configured = false;  // the workspace has a config (senders are declared there)
    std::vector<runtime::SenderStatus> senders;
    std::vector<const model::SenderAccount*> accounts;  // the config's, in the same order
    std::vector<store::AccountPause> pauses;
    std::shared_ptr<const model::Config> config;  // keeps `accounts` alive
};

}  // namespace relance::app
