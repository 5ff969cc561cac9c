// relance suppress add | remove | list | import: the global suppression list.
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <relance/app/contact_views.hpp>
#include <relance/app/views.hpp>
#include <relance/runtime/contact_events.hpp>

#include "cli_context.hpp"

namespace relance::cli {

namespace {

struct SuppressArgs {
    std::vector<std::string> values;
    std::string reason;
    std::string file;
};

int add_values(const std::vector<std::string>& values, const std::string& source,
               const std::string& reason, const std::string& where) {
    int added = 0, bad = 0, line = 0;
    for (const auto& raw : values) {
        ++line;
        std::string v = raw.substr(0, raw.find(','));  // CSV: the first column
        while (!v.empty() && (v.back() == '\r' || v.back() == ' ')) v.pop_back();
        if (v.empty() || v[0] == '#') continue;
        if (line == 1 && !where.empty()) {  // a CSV header line names the column: skip it
            std::string h = v;
            for (auto& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (h == "email" || h == "value" || h == "entry" || h == "domain" || h == "phone" ||
                h == "linkedin" || h == "contact")
                continue;
        }
        std::optional<store::Suppression> s;
        try {
            s = workspace().suppress(v, source, reason);
        } catch (const app::Error& e) {
            if (e.kind() != app::ErrorKind::invalid) throw;
            ++bad;
            std::cerr << (where.empty() ? "" : where + ":" + std::to_string(line) + ": ")
                      << e.what() << "\n";
            continue;
        }
        ++added;
        if (!global_options().json && where.empty())
            std::cout << "suppressed " << s->kind << " " << s->value << "\n";
    }
    if (global_options().json)
        std::cout << nlohmann::json{{"suppressed", added}, {"rejected", bad}}.dump() << "\n";
    else if (!where.empty())
        std::cout << added << " entr" << (added == 1 ? "y" : "ies") << " suppressed, " << bad
                  << " rejected\n";
    return bad ? kInvalid : kOk;
}

// Lifts each entry; the exit code is that of the last refusal (invalid, not found, or the
// person's own entry: conflict), 0 when every entry was lifted.
int remove_values(const std::vector<std::string>& values) {
    int code = kOk;
    for (const auto& v : values) {
        try {
            workspace().unsuppress(v);
            std::cout << "removed " << v << "\n";
        } catch (const app::Error& e) {
            std::cerr << "error: " << e.what() << "\n";
            code = exit_code_for(e.kind());
        }
    }
    return code;
}

int list_entries() {
    auto entries = workspace().suppressions();
    if (global_options().json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& s : entries) out.push_back(app::suppression_view(s));
        std::cout << out.dump(2) << "\n";
        return kOk;
    }
    for (const auto& s : entries)
        std::cout << std::left << std::setw(9) << s.kind << std::setw(40) << s.value
                  << std::setw(12) << s.source << (s.locked ? "locked  " : "        ") << s.reason
                  << "\n";
    std::cout << entries.size() << " entr" << (entries.size() == 1 ? "y" : "ies") << "\n";
    return kOk;
}

// The same operation as POST /v1/suppressions/import: one transaction, a report naming the line
// of each refused entry.
int import_file(const std::string& file, const std::string& reason) {
    std::ifstream in(file);
    if (!in) {
        std::cerr << "error: " << file << ": cannot open\n";
        return kFailure;
    }
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    auto report = workspace().import_suppressions(lines, "import", reason);
    for (const auto& r : report.refused)
        std::cerr << file << ":" << r.line << ": '" << r.entry << "': " << r.reason << "\n";
    if (global_options().json)
        std::cout << app::suppression_import_view(report).dump(2) << "\n";
    else
        std::cout << report.added << " entr" << (report.added == 1 ? "y" : "ies") << " added, "
                  << report.present << " already listed, " << report.refused.size() << " refused\n";
    return report.refused.empty() ? kOk : kInvalid;
}

}  // namespace

void register_suppress(CLI::App& app) {
    auto* sup =
        app.add_subcommand("suppress",
                           "the global suppression list (emails, domains, phones, LinkedIn URLs): "
                           "checked right before every call, for queued runs too");
    sup->require_subcommand(1);
    static SuppressArgs args;
    auto* add = sup->add_subcommand("add", "suppress emails, @domains, phones, LinkedIn URLs");
    add->add_option("values", args.values, "a@b.test, @acme.com, +33612345678, ...")->required();
    add->add_option("--reason", args.reason, "why, kept with the entry");
    add->callback([] {
        set_exit(guarded([] { return add_values(args.values, "operator", args.reason, ""); }));
    });
    auto* remove = sup->add_subcommand(
        "remove", "lift entries (never one that came from the person: an unsubscribe)");
    remove->add_option("values", args.values, "entries to lift")->required();
    remove->callback([] { set_exit(guarded([] { return remove_values(args.values); })); });
    auto* list = sup->add_subcommand("list", "every entry, with its source");
    list->callback([] { set_exit(guarded(list_entries)); });
    auto* import = sup->add_subcommand("import", "one entry per line (or the first CSV column)");
    import->add_option("file", args.file, "file to read")->required()->check(CLI::ExistingFile);
    import->add_option("--reason", args.reason, "why, kept with each entry");
    import->callback(
        [] { set_exit(guarded([] { return import_file(args.file, args.reason);
}));
}  // namespace relance::cli
);
}

}  // namespace relance::cli
