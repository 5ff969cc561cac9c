// Reading over every run in bounded memory: the run listing, a page at a time, and the figures of
// `relance stats` in one pass over a workflow's runs.
#include <sqlite3.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string_view>
#include <tuple>

#include "sqlite_store.hpp"
#include "step_status_codes.hpp"

namespace relance::store {

namespace {

// Runs listed per statement: small enough that a page costs nothing to hold, large enough that
// the statements cost nothing next to the rows.
constexpr std::int64_t kRunPage = 256;

// "variant a" and "variant a, from sam@acme.test" name variant "a"; any other detail none.
std::string_view variant_of(std::string_view detail) {
    constexpr std::string_view prefix = "variant ";
    if (detail.substr(0, prefix.size()) != prefix) return {};
    detail.remove_prefix(prefix.size());
    return detail.substr(0, detail.find_first_of(", "));
}

std::string_view text_of(sqlite3_value* v) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(v));
    return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_value_bytes(v)))
             : std::string_view();
}

// The events that may count for a workflow, by contact: read once (in table order), then found
// for each run without a query per run. Flat: one text buffer, one array of events chained per
// contact, an open-addressing table of contacts holding their hashes. Half a million events and
// a million look-ups cost no allocation each, and a contact without events costs one probe.
class ContactEvents {
  public:
    struct Event {
        std::int64_t at = 0;
        std::size_t message_at = 0;  // in text_
        std::uint32_t message_size = 0;
        std::uint32_t type = 0;
        std::uint32_t next = 0;  // the contact's next event + 1; 0: none
    };

    void add(std::string_view contact, std::int64_t at, std::uint32_t type,
             std::string_view message_id) {
        if (contacts_.size() * 2 >= table_.size()) grow(table_.size() * 2);
        std::uint64_t h = hash(contact);
        Slot& slot = table_[find(h, contact)];
        if (!slot.contact) {
            contacts_.push_back({text_.size(), static_cast<std::uint32_t>(contact.size()), 0});
            text_.append(contact);
            slot = {tag(h), static_cast<std::uint32_t>(contacts_.size())};
        }
        Contact& c = contacts_[slot.contact - 1];
        events_.push_back(
            {at, text_.size(), static_cast<std::uint32_t>(message_id.size()), type, c.first});
        text_.append(message_id);
        c.first = static_cast<std::uint32_t>(events_.size());
    }

    static std::uint64_t hash(std::string_view contact) {
        return std::hash<std::string_view>{}(contact);
    }

    // Brings the contact's first slot into the cache, to be found a few rows later.
    void prefetch(std::uint64_t h) const {
        if (!table_.empty()) __builtin_prefetch(&table_[h & (table_.size() - 1)]);
    }

    // Calls fn(event) for each event of the contact (h: its hash).
    template <class Fn>
    void each(std::uint64_t h, std::string_view contact, Fn&& fn) const {
        if (table_.empty()) return;
        const Slot& slot = table_[find(h, contact)];
        if (!slot.contact) return;
        for (std::uint32_t e = contacts_[slot.contact - 1].first; e; e = events_[e - 1].next)
            fn(events_[e - 1]);
    }

    std::string_view message_id(const Event& e) const {
        return std::string_view(text_).substr(e.message_at, e.message_size);
    }

  private:
    struct Contact {
        std::size_t name_at = 0;  // in text_
        std::uint32_t name_size = 0;
        std::uint32_t first = 0;  // its latest event + 1
    };
    struct Slot {
        std::uint32_t tag = 0;      // the hash's high bits: most misses end here
        std::uint32_t contact = 0;  // + 1; 0: empty
    };
    static std::uint32_t tag(std::uint64_t h) { return static_cast<std::uint32_t>(h >> 32); }

    // The contact's slot, or the empty slot where it would go.
    std::size_t find(std::uint64_t h, std::string_view contact) const {
        std::size_t mask = table_.size() - 1;
        for (std::size_t i = h & mask;; i = (i + 1) & mask) {
            const Slot& slot = table_[i];
            if (!slot.contact) return i;
            const Contact& c = contacts_[slot.contact - 1];
            if (slot.tag == tag(h) &&
                std::string_view(text_).substr(c.name_at, c.name_size) == contact)
                return i;
        }
    }

  public:
    // Room for about `contacts` contacts without growing the table (a few megabytes at most:
    // beyond, it grows as they come).
    void reserve(std::size_t contacts) {
        std::size_t size = 1024;
        while (size < std::min<std::size_t>(contacts, std::size_t{1} << 21)) size *= 2;
        if (size > table_.size()) grow(size);
    }

  private:
    void grow(std::size_t size) {
        std::vector<Slot> old = std::move(table_);
        table_.assign(std::max<std::size_t>(size, 1024), Slot{});
        std::size_t mask = table_.size() - 1;
        for (const Slot& s : old) {
            if (!s.contact) continue;
            const Contact& c = contacts_[s.contact - 1];
            std::size_t i = hash(std::string_view(text_).substr(c.name_at, c.name_size)) & mask;
            while (table_[i].contact) i = (i + 1) & mask;
            table_[i] = s;
        }
    }

    std::string text_;
    std::vector<Contact> contacts_;
    std::vector<Event> events_;
    std::vector<Slot> table_;  // a power of two, at most half full
};

// The figures of one workflow (Store::workflow_counts), counted as the rows of its action steps
// come, one run after the other (a run's rows together). Memory holds the groups (step and
// variant), one run's sends, and the events of the contacts.
class StepCounter {
  public:
    ContactEvents events;
    std::vector<std::string> types;

    std::uint32_t type_index(std::string_view type) {
        for (std::size_t i = 0; i < types.size(); ++i)
            if (types[i] == type) return static_cast<std::uint32_t>(i);
        types.emplace_back(type);
        return static_cast<std::uint32_t>(types.size() - 1);
    }

    void row(std::string_view run_id, std::int64_t created_at, std::string_view contact,
             std::int64_t seq, std::string_view step_id, std::string_view kind, bool failed,
             std::string_view detail, std::int64_t at, std::string_view message_id) {
        if (run_id != run_id_) {
            finish_run();
            run_id_.assign(run_id);
            contact_.assign(contact);
            created_at_ = created_at;
            // Its events are looked up once its rows are counted: the table's cache line is
            // fetched meanwhile (a million look-ups in a table of many megabytes).
            contact_hash_ = ContactEvents::hash(contact);
            events.prefetch(contact_hash_);
        }
        if (kind.find('.') == std::string_view::npos) return;  // not an action
        count(run_id, created_at, seq, step_id, kind, failed, detail, at, message_id);
    }

    void count(std::string_view run_id, std::int64_t created_at, std::int64_t seq,
               std::string_view step_id, std::string_view kind, bool failed,
               std::string_view detail, std::int64_t at, std::string_view message_id) {
        std::size_t g = group(step_id, variant_of(detail));
        Group& gr = groups_[g];
        // Both sides as string_view: clang 14 (the fuzz build) cannot order a tuple holding a
        // string_view against one holding a string.
        std::string_view first_run = gr.first_run;
        if (std::tie(created_at, run_id, seq) <
            std::tie(gr.first_created, first_run, gr.first_seq)) {
            gr.first_created = created_at;
            gr.first_run.assign(run_id);
            gr.first_seq = seq;
            gr.kind.assign(kind);
        }
        if (failed) {
            ++gr.failed;
            return;
        }
        ++gr.sent;
        if (sends_used_ == sends_.size()) sends_.emplace_back();
        Send& s = sends_[sends_used_++];
        s.seq = seq;
        s.at = at;
        s.message_id.assign(message_id);
        s.group = g;
    }

    // Attributes the events of the current run's contact to its sends (store.hpp,
    // StepEventCount).
    void finish_run() {
        std::size_t sends = sends_used_;
        sends_used_ = 0;
        if (contact_.empty() || sends == 0) return;
        events.each(contact_hash_, contact_, [&](const ContactEvents::Event& e) {
            if (e.at < created_at_) return;
            std::string_view message_id = events.message_id(e);
            const Send* to = nullptr;
            for (std::size_t i = 0; i < sends; ++i) {
                const Send& m = sends_[i];
                bool match = message_id.empty() ? m.at <= e.at : m.message_id == message_id;
                if (match && (!to || m.seq > to->seq)) to = &m;
            }
            if (to) ++event_counts_[{to->group, e.type}];
        });
    }

    WorkflowCounts result() {
        finish_run();
        std::vector<std::size_t> order(groups_.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            const Group& x = groups_[a];
            const Group& y = groups_[b];
            return std::tie(x.first_created, x.first_run, x.first_seq) <
                   std::tie(y.first_created, y.first_run, y.first_seq);
        });
        WorkflowCounts out;
        for (std::size_t g : order) {
            const Group& gr = groups_[g];
            out.sends.push_back({gr.step_id, gr.kind, gr.variant, gr.sent, gr.failed});
            for (auto it = event_counts_.lower_bound({g, 0});
                 it != event_counts_.end() && it->first.first == g; ++it)
                out.events.push_back({gr.step_id, gr.variant, types[it->first.second], it->second});
        }
        return out;
    }

  private:
    struct Group {
        std::string step_id, variant, kind;
        std::int64_t sent = 0, failed = 0;
        // Where it first appears: the run's created_at and id, the step's seq.
        std::int64_t first_created = std::numeric_limits<std::int64_t>::max();
        std::string first_run;
        std::int64_t first_seq = 0;
    };
    struct Send {
        std::int64_t seq = 0, at = 0;
        std::string message_id;
        std::size_t group = 0;
    };

    std::size_t group(std::string_view step_id, std::string_view variant) {
        // Few groups (steps times variants), and a run's rows mostly come in the same order.
        if (last_group_ < groups_.size() && groups_[last_group_].step_id == step_id &&
            groups_[last_group_].variant == variant)
            return last_group_;
        for (std::size_t i = 0; i < groups_.size(); ++i)
            if (groups_[i].step_id == step_id && groups_[i].variant == variant)
                return last_group_ = i;
        Group& gr = groups_.emplace_back();
        gr.step_id = step_id;
        gr.variant = variant;
        return last_group_ = groups_.size() - 1;
    }

    std::vector<Group> groups_;
    std::size_t last_group_ = 0;
    std::map<std::pair<std::size_t, std::size_t>, std::int64_t> event_counts_;  // (group, type)
    std::string run_id_, contact_;
    std::uint64_t contact_hash_ = 0;
    std::int64_t created_at_ = 0;
    std::vector<Send> sends_;  // of the current run: the first sends_used_ (kept for their buffers)
    std::size_t sends_used_ = 0;
};

constexpr const char* kCounterType = "relance_step_counter";

// relance_count_step(counter, run id, created_at, contact_key, seq, step_id, kind, failed,
// detail, at, message_id): an aggregate handing each row to the StepCounter bound as its first
// argument. SQLite's GROUP BY sorts every row before it counts (seconds at a million runs); this
// counts as the rows come, in one pass, with nothing sorted and no result row made per step.
void count_step(sqlite3_context* ctx, int, sqlite3_value** v) {
    auto* counter = static_cast<StepCounter*>(sqlite3_value_pointer(v[0], kCounterType));
    if (!counter) {
        sqlite3_result_error(ctx, "relance_count_step: no counter", -1);
        return;
    }
    counter->row(text_of(v[1]), sqlite3_value_int64(v[2]), text_of(v[3]), sqlite3_value_int64(v[4]),
                 text_of(v[5]), text_of(v[6]), sqlite3_value_int(v[7]) != 0, text_of(v[8]),
                 sqlite3_value_int64(v[9]), text_of(v[10]));
}

// relance_count_event(counter, contact_key, type, message_id, occurred_at): the same, for the
// events the runs' sends are matched with.
void count_event(sqlite3_context* ctx, int, sqlite3_value** v) {
    auto* counter = static_cast<StepCounter*>(sqlite3_value_pointer(v[0], kCounterType));
    if (!counter) {
        sqlite3_result_error(ctx, "relance_count_event: no counter", -1);
        return;
    }
    counter->events.add(text_of(v[1]), sqlite3_value_int64(v[4]),
                        counter->type_index(text_of(v[2])), text_of(v[3]));
}

void count_final(sqlite3_context* ctx) {
    sqlite3_result_null(ctx);
}

// Runs a statement made of one of the aggregates above, the counter bound as ?1 and the workflow
// as ?2 (when it has one). (The raw API: binding a pointer is not wrapped by SQLiteCpp.)
void count_rows(sqlite3* h, const char* sql, StepCounter& counter, const std::string& workflow) {
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> st(nullptr, sqlite3_finalize);
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(h, sql, -1, &raw, nullptr);
    st.reset(raw);
    if (rc == SQLITE_OK) rc = sqlite3_bind_pointer(raw, 1, &counter, kCounterType, nullptr);
    if (rc == SQLITE_OK && sqlite3_bind_parameter_count(raw) >= 2)
        rc = sqlite3_bind_text(raw, 2, workflow.data(), static_cast<int>(workflow.size()),
                               SQLITE_TRANSIENT);
    if (rc == SQLITE_OK) rc = sqlite3_step(raw);
    if (rc != SQLITE_ROW) throw SQLite::Exception(h, rc);
}

}  // namespace

void SqliteStore::register_report_functions() {
    sqlite3* h = db_.getHandle();
    if (sqlite3_create_function_v2(h, "relance_count_step", 11, SQLITE_UTF8, nullptr, nullptr,
                                   count_step, count_final, nullptr) != SQLITE_OK ||
        sqlite3_create_function_v2(h, "relance_count_event", 5, SQLITE_UTF8, nullptr, nullptr,
                                   count_event, count_final, nullptr) != SQLITE_OK)
        throw std::runtime_error(std::string("cannot register the report functions: ") +
                                 sqlite3_errmsg(db_.getHandle()));
}

std::string run_list_sql(const RunFilter& f, bool after) {
    // The rowid last: where the page ends.
    std::string sql = std::string("SELECT ") + kRunColumns + ", rowid FROM runs WHERE 1=1";
    if (f.status) sql += " AND status=?";
    if (!f.workflow.empty()) sql += " AND workflow_name=?";
    // The page after the last run given: (created_at, rowid) is unique and never changes, so
    // each run comes at most once, whatever is written between two pages.
    if (after) sql += " AND (created_at, rowid) > (?, ?)";
    // Oldest first; runs created at the same time (an import's) in the order they were created.
    // That is the order of runs_created (no filter), runs_workflow_created (a workflow) and
    // runs_status (a status), each holding the rowid after created_at: the page is read in
    // order and the read stops at its end, never a sort. (The rowid, not the run id, breaks the
    // ties: ids are random, so an index on (created_at, id) would take each run of an import at a
    // random place, a page written per run.)
    return sql + " ORDER BY created_at, rowid LIMIT ?";
}

void SqliteStore::for_each_run(const RunFilter& f, const std::function<bool(const Run&)>& fn) {
    // A negative limit is no limit (as SQLite's LIMIT reads it).
    std::int64_t left = f.limit < 0 ? std::numeric_limits<std::int64_t>::max() : f.limit;
    std::optional<std::pair<std::int64_t, std::int64_t>> last = f.after;  // (created_at, rowid)
    std::vector<Run> page;
    while (left > 0) {
        page.clear();
        std::int64_t last_rowid = 0;
        {
            std::lock_guard g(m_);
            SQLite::Statement st(db_, run_list_sql(f, last.has_value()));
            int i = 1;
            if (f.status) st.bind(i++, to_string(*f.status));
            if (!f.workflow.empty()) st.bind(i++, f.workflow);
            if (last) {
                st.bind(i++, static_cast<int64_t>(last->first));
                st.bind(i++, static_cast<int64_t>(last->second));
            }
            st.bind(i, static_cast<int64_t>(std::min(left, kRunPage)));
            while (st.executeStep()) {
                page.push_back(read_run(st));
                last_rowid = st.getColumn(15).getInt64();
                page.back().row = last_rowid;
            }
        }
        // The statement is done (its read ended) before `fn` sees a row: `fn` may take as long
        // as it likes (a slow reader at the other end of a pipe) without holding a snapshot
        // that would keep the WAL from being checkpointed, and it may call the store.
        for (const Run& r : page)
            if (!fn(r)) return;
        if (static_cast<std::int64_t>(page.size()) < std::min(left, kRunPage)) return;
        left -= static_cast<std::int64_t>(page.size());
        last.emplace(page.back().created_at, last_rowid);
    }
}

WorkflowCounts SqliteStore::workflow_counts(const std::string& workflow) {
    std::lock_guard g(m_);
    StepCounter counter;
    // One snapshot for both statements (a worker may be writing meanwhile). Nothing is written.
    SQLite::Transaction tx(db_);
    // At most as many contacts with events as events (the highest event number, read from the
    // primary key at once): the table is made once rather than grown by doubling.
    counter.events.reserve(static_cast<std::size_t>(
        std::max<std::int64_t>(0, db_.execAndGet("SELECT max(seq) FROM events").getInt64())));
    // The events that may count: those of contacts since the workflow's first run, read in
    // table order and held by contact for the runs to find.
    count_rows(db_.getHandle(),
               "SELECT relance_count_event(?1, contact_key, type, message_id, occurred_at) FROM "
               "events WHERE contact_key != '' AND occurred_at >= (SELECT min(created_at) FROM "
               "runs WHERE workflow_name = ?2)",
               counter, workflow);
    // A run's rows come together, in run row order either way: the steps are stored by run
    // row. When the workflow holds a third of the runs or more, the whole steps table is read
    // in its own order and each step finds its run by row (1.4 s against 2.0 s at a million
    // runs: a scan, no search per run); otherwise the workflow's runs are followed and each
    // one's steps read after it. Only the statuses that count are handed over (as ORs: cheaper
    // than IN, which probes a table for each of the millions of rows). The runs ever created:
    // the highest row, read at once; the workflow's: counted in its index.
    std::int64_t runs = db_.execAndGet("SELECT coalesce(max(row), 0) FROM runs").getInt64();
    SQLite::Statement mine(db_, "SELECT count(*) FROM runs WHERE workflow_name = ?");
    mine.bind(1, workflow);
    mine.executeStep();
    const bool scan_steps = mine.getColumn(0).getInt64() * 3 >= runs;
    const std::string failed = "s.status = " + std::to_string(step_status_code(StepStatus::failed));
    const std::string sql =
        std::string(
            "SELECT relance_count_step(?1, r.id, r.created_at, r.contact_key, s.seq, "
            "s.step_id, s.kind, ") +
        failed + ", s.detail, coalesce(s.finished_at, s.started_at), " + kStepMessageId +
        ") FROM " + (scan_steps ? "steps s CROSS JOIN runs r" : "runs r CROSS JOIN steps s") +
        " ON s.run_row = r.row WHERE r.workflow_name = ?2 AND (s.status = " +
        std::to_string(step_status_code(StepStatus::succeeded)) + " OR " + failed +
        " OR s.status = " + std::to_string(step_status_code(StepStatus::reconciled)) + ")";
    count_rows(db_.getHandle(), sql.c_str(), counter, workflow);
    tx.commit();
    return counter.result();
}

}  // namespace relance::store
