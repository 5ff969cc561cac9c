// JSON views of the contact operations (relance/app/contacts.hpp), for both front ends: the
// command line prints them with --json, the HTTP API answers them (docs/api.md, "Contacts").
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <relance/app/contacts.hpp>

namespace relance::app {

// A contact record: {"contact", "identities", "attributes", "created_at", "updated_at"}, and
// with an upsert "created".
nlohmann::json contact_record_view(const store::Store::ContactRecord& record);
nlohmann::json contact_upsert_view(const Workspace::ContactUpsert& upsert);
// A person and their history (GET /v1/contacts/{contact}); with `export_all` the GDPR export:
// every run with its context and timeline, and "exported_at".
nlohmann::json contact_history_view(const Workspace::ContactHistory& history, bool export_all,
                                    std::int64_t now);
// What an erasure removed, and the hashed entries that keep the person suppressed.
nlohmann::json contact_erasure_view(const Workspace::ContactErasure& erasure);
// One event of a contact; one send.
nlohmann::json contact_event_view(const store::Event& event);
nlohmann::json send_view(const store::Send& send);
// What an import did: {"added", "present", "skipped", "refused": [{"line", "entry", "reason"}]}.
nlohmann::json suppression_import_view(const Workspace::SuppressionImport& report);
// The sender accounts: {"configured", "senders": [...], "paused": [...]}.
nlohmann::json sender_report_view(const Workspace::SenderReport& report);

}  // namespace relance::app
