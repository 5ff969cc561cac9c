// `triggers:` of a workflow: each entry checked where it is written, so a typo in a scheme, a
// cron field or a template fails at load with its file:line:col, never at the first request.
#include "triggers_reader.hpp"

#include <nlohmann/json.hpp>
#include <relance/calendar/cron.hpp>
#include <relance/calendar/zones.hpp>
#include <relance/expr/template.hpp>
#include <relance/signatures/scheme.hpp>
#include <set>

#include "suggest.hpp"
#include "text_scan.hpp"

namespace relance::model::detail {

namespace {

// What a webhook's templates may read: the parsed body, the headers (names lower-case) and the
// query parameters of the request.
const std::vector<std::string> kHookRoots = {"body", "headers", "query"};

class TriggerReader {
  public:
    TriggerReader(YamlReader& r, Triggers& t) : r_(r), t_(t) {}

    void entry(const YAML::Node& node, const SourcePos& listp) {
        SourcePos p = r_.pos(node, listp);
        if (!node.IsMap()) {
            r_.error(p, "a trigger is a mapping with 'webhook:' or 'cron:', got " +
                            YamlReader::kind_name(node));
            return;
        }
        auto es = r_.entries(node);
        bool webhook = false, cron = false;
        for (const auto& e : es) {
            webhook |= e.key == "webhook";
            cron |= e.key == "cron";
        }
        if (webhook == cron) {
            r_.error(p, webhook ? "a trigger is either 'webhook:' or 'cron:', not both"
                                : "a trigger needs 'webhook:' or 'cron:'");
            return;
        }
        if (webhook) {
            r_.check_keys(es, {"webhook"}, "trigger", p);
            for (const auto& e : es)
                if (e.key == "webhook") parse_webhook(e, p);
        } else {
            r_.check_keys(es, {"cron", "timezone", "missed", "input"}, "cron trigger", p);
            parse_cron_trigger(es, p);
        }
    }

  private:
    YamlReader& r_;
    Triggers& t_;
    std::set<std::string> names_;

    void check_template(const std::string& text, const SourcePos& p) {
        try {
            for (const auto& v : expr::template_variables(text)) {
                const std::string& root = v.path.empty() ? v.text : v.path.front();
                if (std::find(kHookRoots.begin(), kHookRoots.end(), root) == kHookRoots.end())
                    r_.error(p, "a webhook template reads body, headers or query, not '" + root +
                                    "'" + did_you_mean(root, kHookRoots));
            }
        } catch (const expr::TemplateError& e) {
            r_.error(p, std::string("invalid template: ") + e.what());
        }
    }

    void parse_webhook(const Entry& e, const SourcePos& entryp) {
        SourcePos kp = r_.pos(e.key_node, entryp);
        if (!e.value.IsMap()) {
            r_.error(r_.pos(e.value, kp),
                     "'webhook' must be a mapping with at least 'name' and 'signature', got " +
                         YamlReader::kind_name(e.value));
            return;
        }
        WebhookTrigger w;
        w.pos = kp;
        auto es = r_.entries(e.value);
        r_.check_keys(es, {"name", "input", "idempotency_key", "signature", "allow_unsigned"},
                      "webhook", kp);
        bool have_name = false, have_signature = false;
        for (const auto& x : es) {
            SourcePos xp = r_.pos(x.key_node, kp);
            SourcePos vp = r_.pos(x.value, xp);
            if (x.key == "name") {
                have_name = true;
                if (auto s = r_.scalar(x, kp, "a hook name")) {
                    w.name = *s;
                    if (s->empty() || s->size() > 64 || !is_lower_name(*s))
                        r_.error(vp, "hook name " + quote_cut(*s) +
                                         " must be 1 to 64 lowercase letters, digits, '_' or '-'");
                    else if (!names_.insert(*s).second)
                        r_.error(vp, "hook name '" + *s + "' is declared twice");
                }
            } else if (x.key == "input") {
                if (!x.value.IsMap()) {
                    r_.error(vp, "'input' maps input fields to templates, got " +
                                     YamlReader::kind_name(x.value));
                    continue;
                }
                for (const auto& f : r_.entries(x.value)) {
                    SourcePos fp = r_.pos(f.value, r_.pos(f.key_node, xp));
                    if (auto s = r_.scalar(f, xp, "a template such as \"{{ body.email }}\"")) {
                        check_template(*s, fp);
                        w.input.emplace_back(f.key, *s);
                    }
                }
            } else if (x.key == "idempotency_key") {
                if (auto s = r_.scalar(x, kp, "a template such as \"{{ body.id }}\"")) {
                    check_template(*s, vp);
                    w.idempotency_key = *s;
                }
            } else if (x.key == "signature") {
                have_signature = true;
                parse_signature(x, w, xp);
            } else if (x.key == "allow_unsigned") {
                if (!x.value.IsScalar() ||
                    (x.value.Scalar() != "true" && x.value.Scalar() != "false"))
                    r_.error(vp, "'allow_unsigned' is true or false");
                else
                    w.allow_unsigned = x.value.Scalar() == "true";
            }
        }
        if (!have_name) r_.error(kp, "a webhook needs a 'name' (its path: /v1/hooks/<name>)");
        if (!have_signature)
            r_.error(kp,
                     "a webhook needs a 'signature' (scheme standard_webhooks, stripe or "
                     "hmac_sha256 with a secret; or scheme none with allow_unsigned: true)");
        else if (w.scheme == "none" && !w.allow_unsigned)
            r_.error(kp,
                     "scheme none lets anyone who knows the URL start runs: say "
                     "'allow_unsigned: true' to mean it");
        else if (w.scheme != "none" && w.allow_unsigned)
            r_.error(kp, "'allow_unsigned' goes only with scheme none");
        t_.webhooks.push_back(std::move(w));
    }

    void parse_signature(const Entry& x, WebhookTrigger& w, const SourcePos& xp) {
        if (!x.value.IsMap()) {
            r_.error(r_.pos(x.value, xp),
                     "'signature' must be a mapping with 'scheme' and 'secret', got " +
                         YamlReader::kind_name(x.value));
            return;
        }
        bool have_scheme = false;
        for (const auto& o : r_.entries(x.value)) {
            if (o.key == "scheme") {
                have_scheme = true;
                if (auto s = r_.scalar(o, xp, "a scheme name")) w.scheme = *s;
            } else if (o.key == "secret") {
                if (auto s = r_.scalar(o, xp, "the name of a secret")) {
                    w.secret = *s;
                    // A name, not a value: a value pasted here would sit in the store and in
                    // every copy of the file.
                    if (s->empty() || s->size() > 64 || !is_name(*s) || s->starts_with("whsec_") ||
                        s->starts_with("sk_") || s->starts_with("shpss_"))
                        r_.error(r_.pos(o.value, xp),
                                 "a secret is named (letters, digits, '_', '-'), never written "
                                 "here: put its value in the secret source");
                }
            } else if (auto s = r_.scalar(o, xp, "a scalar")) {
                w.scheme_options.emplace_back(o.key, *s);
            }
        }
        if (!have_scheme) {
            r_.error(xp,
                     "'signature' needs a 'scheme': standard_webhooks, stripe, hmac_sha256 "
                     "or none");
            return;
        }
        try {
            signatures::parse_scheme(w.scheme, w.scheme_options);
        } catch (const std::invalid_argument& ex) {
            r_.error(xp, ex.what());
            return;
        }
        if (w.scheme != "none" && w.secret.empty())
            r_.error(xp, "scheme " + w.scheme +
                             " needs 'secret': the name of the secret it is verified with");
        if (w.scheme == "none" && !w.secret.empty())
            r_.error(xp, "scheme none verifies nothing: remove 'secret'");
    }

    void parse_cron_trigger(const std::vector<Entry>& es, const SourcePos& p) {
        CronTrigger c;
        c.pos = p;
        for (const auto& x : es) {
            SourcePos xp = r_.pos(x.key_node, p);
            SourcePos vp = r_.pos(x.value, xp);
            if (x.key == "cron") {
                c.pos = vp;
                if (auto s = r_.scalar(x, p, "a cron expression such as \"0 9 * * mon-fri\"")) {
                    c.spec = *s;
                    try {
                        calendar::parse_cron(*s);
                    } catch (const calendar::CronError& ex) {
                        // The error's own column, inside the expression: a quoted scalar
                        // (tag "!") starts one column after its quote.
                        SourcePos at = vp;
                        if (vp.line > 0)
                            at.column +=
                                static_cast<int>(ex.column) - 1 + (x.value.Tag() == "!" ? 1 : 0);
                        r_.error(at, std::string("invalid cron expression: ") + ex.what());
                    }
                }
            } else if (x.key == "timezone") {
                if (auto s = r_.scalar(x, p, "an IANA time zone name")) {
                    c.timezone = *s;
                    try {
                        calendar::find_zone(*s);
                    } catch (const std::exception& ex) {
                        r_.error(vp, std::string(ex.what()) + " (e.g. Europe/Paris)");
                    }
                }
            } else if (x.key == "missed") {
                if (auto s = r_.scalar(x, p, "skip or run_once")) {
                    if (*s == "skip")
                        c.missed = MissedFire::skip;
                    else if (*s == "run_once")
                        c.missed = MissedFire::run_once;
                    else
                        r_.error(vp, "'missed' is skip or run_once, got " + quote_cut(*s));
                }
            } else if (x.key == "input") {
                if (!x.value.IsMap()) {
                    r_.error(vp,
                             "'input' is the record each fire starts a run with (a "
                             "mapping), got " +
                                 YamlReader::kind_name(x.value));
                    continue;
                }
                c.input_json = r_.to_json(x.value, "", vp, nullptr, nullptr).dump();
            }
        }
        t_.crons.push_back(std::move(c));
    }
};

}  // namespace

void parse_triggers(YamlReader& reader, const Entry& entry, Triggers& triggers,
                    const SourcePos& rootp) {
    SourcePos kp = reader.pos(entry.key_node, rootp);
    if (entry.value.IsNull()) return;
    if (!entry.value.IsSequence()) {
        reader.error(reader.pos(entry.value, kp),
                     "'triggers' must be a list of triggers (- webhook: ... or - cron: ...), "
                     "got " +
                         YamlReader::kind_name(entry.value));
        return;
    }
    TriggerReader r(reader, triggers);
    for (const auto& item : entry.value) r.entry(item, kp);
}

void check_trigger_inputs(YamlReader& reader, const Workflow& wf) {
    if (wf.inputs.empty()) return;
    std::vector<std::string> names;
    for (const auto& f : wf.inputs) names.push_back(f.name);
    for (const auto& w : wf.triggers.webhooks)
        for (const auto& [field, text] : w.input)
            if (std::find(names.begin(), names.end(), field) == names.end())
                reader.error(w.pos, "webhook '" + w.name + "' maps '" + field +
                                        "', which is not one of the workflow's inputs" +
                                        did_you_mean(field, names));
}

}  // namespace relance::model::detail
