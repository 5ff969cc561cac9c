// relance contacts show | export | erase | upsert: a contact as a person (its record and
// attributes, its history, the GDPR export and erasure), through the same workspace operations
// as /v1/contacts.
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <relance/app/contact_views.hpp>
#include <relance/runtime/time_text.hpp>

#include "cli_context.hpp"

namespace relance::cli {

namespace {

struct ContactArgs {
    std::string contact;
    int limit = 20;
    std::string email, phone, linkedin;
    std::string attributes = "{}";
    bool yes = false;
};

int show(const ContactArgs& args) {
    auto h = workspace().contact(args.contact, args.limit);
    if (global_options().json) {
        std::cout << app::contact_history_view(h, false, 0).dump(2) << "\n";
        return kOk;
    }
    std::cout << "contact " << h.key << "\n";
    for (const auto& id : h.identities) std::cout << "  identity   " << id << "\n";
    if (h.record) {
        std::cout << "  attributes " << h.record->attributes->dump() << "\n";
        std::cout << "  updated    " << runtime::format_short(h.record->updated_at) << "Z\n";
    } else {
        std::cout << "  (no record: known from its runs, events or suppressions)\n";
    }
    if (h.suppressions.empty()) std::cout << "  not suppressed\n";
    for (const auto& s : h.suppressions)
        std::cout << "  suppressed " << s.kind << " " << s.value << " (" << s.source << ")\n";
    std::cout << "runs (" << h.runs.size() << (h.more_runs ? "+" : "") << ", newest first)\n";
    for (const auto& r : h.runs)
        std::cout << "  " << r.run.id << "  " << std::left << std::setw(20) << r.run.workflow_name
                  << std::setw(10) << store::to_string(r.run.status) << r.step << "\n";
    std::cout << "events (" << h.events.size() << (h.more_events ? "+" : "") << ")\n";
    for (const auto& e : h.events)
        std::cout << "  " << runtime::format_short(e.occurred_at) << "Z  " << std::left
                  << std::setw(14) << e.type << e.event_id << "\n";
    std::cout << "sends (" << h.sends.size() << (h.more_sends ? "+" : "") << ")\n";
    for (const auto& s : h.sends)
        std::cout << "  " << runtime::format_short(s.at) << "Z  " << s.channel << " from "
                  << s.sender << " (run " << s.run_id << ")\n";
    return kOk;
}

int export_all(const ContactArgs& args) {
    auto h = workspace().contact(args.contact, 0);
    // The export is JSON whatever --json says: it is meant to be handed over as a file.
    std::cout << app::contact_history_view(h, true, to_unix_ms(workspace().clock().now())).dump(2)
              << "\n";
    return kOk;
}

int erase(const ContactArgs& args) {
    if (!args.yes) {
        std::cerr << "error: erasing deletes " << args.contact
                  << "'s runs, events and record for good; pass --yes to do it\n";
        return kUsage;
    }
    auto e = workspace().erase_contact(args.contact);
    if (global_options().json) {
        std::cout << app::contact_erasure_view(e).dump(2) << "\n";
        return kOk;
    }
    std::cout << "erased " << e.key << " (" << e.identities.size() << " identit"
              << (e.identities.size() == 1 ? "y" : "ies") << "): " << e.erased.runs.size()
              << " run(s), " << e.erased.events << " event(s) deleted, " << e.erased.sends
              << " send(s) anonymised" << (e.erased.record ? ", record deleted" : "")
              << "; kept suppressed as " << e.hashed.size() << " hashed entr"
              << (e.hashed.size() == 1 ? "y" : "ies") << "\n";
    return kOk;
}

int upsert(const ContactArgs& args) {
    app::Workspace::ContactInput input;
    if (!args.email.empty()) input.email = args.email;
    if (!args.phone.empty()) input.phone = args.phone;
    if (!args.linkedin.empty()) input.linkedin = args.linkedin;
    *input.attributes = nlohmann::json::parse(args.attributes);  // checked by its validator
    auto out = workspace().upsert_contact(input);
    if (global_options().json) {
        std::cout << app::contact_upsert_view(out).dump(2) << "\n";
        return kOk;
    }
    std::cout << (out.created ? "created " : "updated ") << out.contact.key << ": "
              << out.contact.attributes->dump() << "\n";
    return kOk;
}

}  // namespace

void register_contacts(CLI::App& app) {
    auto* cmd = app.add_subcommand(
        "contacts", "contacts as people: record and attributes, history, GDPR export and erasure");
    cmd->require_subcommand(1);
    static ContactArgs args;
    const char* contact_help = "an email, a phone (+33...), a LinkedIn URL or a key (email:...)";

    auto* show_cmd = cmd->add_subcommand(
        "show", "the contact, its suppression state, and its latest runs, events and sends");
    show_cmd->add_option("contact", args.contact, contact_help)->required();
    show_cmd->add_option("--limit", args.limit, "the most runs, events and sends shown (each)")
        ->check(CLI::Range(1, 1000));
    show_cmd->callback([] { set_exit(guarded([] { return show(args); })); });

    auto* export_cmd = cmd->add_subcommand(
        "export", "everything relance holds about one person, as JSON (GDPR access)");
    export_cmd->add_option("contact", args.contact, contact_help)->required();
    export_cmd->callback([] { set_exit(guarded([] { return export_all(args); })); });

    auto* erase_cmd = cmd->add_subcommand(
        "erase",
        "erase one person (GDPR): record, events and runs deleted (running ones stop), sends "
        "anonymised; kept suppressed as a hash so they are never contacted again");
    erase_cmd->add_option("contact", args.contact, contact_help)->required();
    erase_cmd->add_flag("--yes", args.yes, "confirm: the erasure cannot be undone");
    erase_cmd->callback([] { set_exit(guarded([] { return erase(args); })); });

    auto* upsert_cmd = cmd->add_subcommand(
        "upsert", "create or update a contact record; attributes merge (a null removes one)");
    upsert_cmd->add_option("--email", args.email, "the contact's email");
    upsert_cmd->add_option("--phone", args.phone, "the contact's phone, E.164 (+33612345678)");
    upsert_cmd->add_option("--linkedin", args.linkedin, "the contact's LinkedIn profile URL");
    upsert_cmd
        ->add_option("--attributes", args.attributes,
                     "a JSON object merged into the record's attributes")
        ->check(json_object_value());
    upsert_cmd->callback([] { set_exit(guarded([] { return upsert(args); })); });
}

}  // namespace relance::cli
