// The figures /metrics reads at a scrape: runs by workflow and status, and the state of the
// queue. Read only, through the indexes the worker already keeps (no index of its own: an index
// costs every commit, a scrape comes every few seconds).
#include "sqlite_store.hpp"

namespace relance::store {

std::vector<Store::RunTally> SqliteStore::run_tallies() {
    std::lock_guard g(m_);
    // No index holds both columns, so this reads every run once: a sequential pass over the
    // table, cheaper than an index walk with a look-up per row. /metrics bounds how often.
    auto st_held = cached(
        "SELECT workflow_name, status, COUNT(*) FROM runs GROUP BY workflow_name, status "
        "ORDER BY workflow_name, status");
    SQLite::Statement& st = *st_held;
    std::vector<RunTally> out;
    while (st.executeStep()) {
        auto status = run_status_from(st.getColumn(1).getString());
        if (!status) continue;  // a status a newer relance wrote: not ours to name
        out.push_back({st.getColumn(0).getString(), *status, st.getColumn(2).getInt64()});
    }
    return out;
}

Store::QueueFigures SqliteStore::queue_figures(std::int64_t now) {
    std::lock_guard g(m_);
    QueueFigures f;
    {
        // The due part of the due-time index: what is due costs, never what waits for later
        // (SQLite reads each due row's status all the same: it does not take the partial
        // index's condition as read).
        auto st_held = cached(
            "SELECT COUNT(*) FROM runs INDEXED BY runs_due WHERE status IN ('ready','waiting') "
            "AND due_at <= ?");
        SQLite::Statement& st = *st_held;
        st.bind(1, static_cast<int64_t>(now));
        if (st.executeStep()) f.due = st.getColumn(0).getInt64();
    }
    {
        // The claim's own order: it skips the leased runs only, at most a claim's worth and the
        // calls in flight, before it finds the first unclaimed one.
        auto st_held = cached(
            "SELECT due_at FROM runs INDEXED BY runs_due WHERE status IN ('ready','waiting') "
            "AND due_at <= ?1 AND (lease_until IS NULL OR lease_until < ?1) ORDER BY due_at "
            "LIMIT 1");
        SQLite::Statement& st = *st_held;
        st.bind(1, static_cast<int64_t>(now));
        if (st.executeStep()) f.oldest_unclaimed_due = optional_int(st.getColumn(0));
    }
    {
        // The paused runs only (runs_status), then their reason: the interpreter pauses an
        // in-doubt run with a reason starting "in doubt:", which `runs resolve` also checks
        // (runtime/runs.cpp).
        auto st_held = cached(
            "SELECT COUNT(*) FROM runs INDEXED BY runs_status WHERE status = 'paused' "
            "AND substr(reason, 1, 9) = 'in doubt:'");
        SQLite::Statement& st = *st_held;
        if (st.executeStep()) f.in_doubt = st.getColumn(0).getInt64();
    }
    return f;
}

}  // namespace relance::store
