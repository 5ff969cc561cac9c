// Reading rows into store structs: one reader per struct, its columns listed next to it.
#include <nlohmann/json.hpp>

#include "sqlite_store.hpp"
#include "step_status_codes.hpp"

namespace relance::store {

const char* const kRunColumns =
    "id, workflow_version_id, workflow_name, idempotency_key, status, node, attempt, context, "
    "due_at, reason, next_seq, message_id, created_at, updated_at, contact_key";
// Of `steps s JOIN runs r` (a step knows its run by row; the id is the run's). A message id
// stored as NULL is the one the engine gives an action's first attempt (write_step).
const char* const kStepMessageId =
    "coalesce(s.message_id, r.id || '.' || s.step_id || '.' || s.seq)";
const std::string kStepColumns =
    std::string(
        "r.id, s.seq, s.step_id, s.kind, s.status, s.attempt, s.started_at, "
        "s.finished_at, ") +
    kStepMessageId + ", s.detail, s.output";
const char* const kEventColumns =
    "seq, event_id, contact_key, type, run_id, message_id, occurred_at, recorded_at, data";
const char* const kSendColumns = "run_id, seq, sender, channel, contact_key, recipient_domain, at";
const char* const kSandboxColumns = "id, plugin, box, recorded_at, entry";
const char* const kSuppressionColumns = "kind, value, source, locked, reason, created_at";

void bind_optional(SQLite::Statement& st, int index, const std::optional<std::int64_t>& v) {
    if (v)
        st.bind(index, static_cast<int64_t>(*v));
    else
        st.bind(index);
}

std::optional<std::int64_t> optional_int(const SQLite::Column& c) {
    if (c.isNull()) return std::nullopt;
    return c.getInt64();
}

json parse_json_column(const SQLite::Column& c) {
    if (c.isNull()) return nullptr;
    // Written by the engine itself, so it parses; a damaged row reads as a string rather than
    // throwing in the middle of a claim.
    json j = json::parse(c.getString(), nullptr, false);
    return j.is_discarded() ? json(c.getString()) : j;
}

Run read_run(SQLite::Statement& st) {
    Run r;
    r.id = st.getColumn(0).getString();
    r.workflow_version_id = st.getColumn(1).getInt64();
    r.workflow_name = st.getColumn(2).getString();
    r.idempotency_key = st.getColumn(3).getString();
    r.status = run_status_from(st.getColumn(4).getString()).value_or(RunStatus::failed);
    r.node = st.getColumn(5).getInt();
    r.attempt = st.getColumn(6).getInt();
    r.context = parse_json_column(st.getColumn(7));
    r.due_at = optional_int(st.getColumn(8));
    r.reason = st.getColumn(9).getString();
    r.next_seq = st.getColumn(10).getInt64();
    r.message_id = st.getColumn(11).getString();
    r.created_at = st.getColumn(12).getInt64();
    r.updated_at = st.getColumn(13).getInt64();
    r.contact_key = st.getColumn(14).getString();
    return r;
}

StepRecord read_step(SQLite::Statement& st) {
    StepRecord s;
    s.run_id = st.getColumn(0).getString();
    s.seq = st.getColumn(1).getInt64();
    s.step_id = st.getColumn(2).getString();
    s.kind = st.getColumn(3).getString();
    // An unknown code (a newer relance wrote it) reads as in doubt: assume the worst.
    s.status = step_status_from_code(st.getColumn(4).getInt64()).value_or(StepStatus::in_doubt);
    s.attempt = st.getColumn(5).getInt();
    s.started_at = st.getColumn(6).getInt64();
    s.finished_at = optional_int(st.getColumn(7));
    s.message_id = st.getColumn(8).getString();
    s.detail = st.getColumn(9).getString();
    s.output = parse_json_column(st.getColumn(10));
    return s;
}

Event read_event(SQLite::Statement& st) {
    Event e;
    e.seq = st.getColumn(0).getInt64();
    e.event_id = st.getColumn(1).getString();
    e.contact_key = st.getColumn(2).getString();
    e.type = st.getColumn(3).getString();
    e.run_id = st.getColumn(4).getString();
    e.message_id = st.getColumn(5).getString();
    e.occurred_at = st.getColumn(6).getInt64();
    e.recorded_at = st.getColumn(7).getInt64();
    e.data = parse_json_column(st.getColumn(8));
    return e;
}

Send read_send(SQLite::Statement& st) {
    Send x;
    x.run_id = st.getColumn(0).getString();
    x.seq = st.getColumn(1).getInt64();
    x.sender = st.getColumn(2).getString();
    x.channel = st.getColumn(3).getString();
    x.contact_key = st.getColumn(4).getString();
    x.recipient_domain = st.getColumn(5).getString();
    x.at = st.getColumn(6).getInt64();
    return x;
}

SandboxEntry read_sandbox(SQLite::Statement& st) {
    SandboxEntry e;
    e.id = st.getColumn(0).getInt64();
    e.plugin = st.getColumn(1).getString();
    e.box = st.getColumn(2).getString();
    e.recorded_at = st.getColumn(3).getInt64();
    e.entry = parse_json_column(st.getColumn(4));
    return e;
}

PendingEffect read_pending(SQLite::Statement& st) {
    PendingEffect p;
    p.seq = st.getColumn(0).getInt64();
    p.step_id = st.getColumn(1).getString();
    p.kind = st.getColumn(2).getString();
    p.message_id = st.getColumn(3).getString();
    p.attempt = st.getColumn(4).getInt();
    p.started_at = st.getColumn(5).getInt64();
    return p;
}

Suppression read_suppression(SQLite::Statement& st) {
    Suppression s;
    s.kind = st.getColumn(0).getString();
    s.value = st.getColumn(1).getString();
    s.source = st.getColumn(2).getString();
    s.locked = st.getColumn(3).getInt() != 0;
    s.reason = st.getColumn(4).getString();
    s.created_at = st.getColumn(5).getInt64();
    return s;
}

std::string join_words(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
    return out;
}

std::vector<std::string> split_words(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find(' ', start);
        if (end == std::string::npos) end = text.size();
        if (end > start) out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

}  // namespace relance::store
