// Outbound webhooks: the events feed (written by the schema's triggers, read here), the
// subscriptions, and the outbox of their deliveries.
//
// Fan-out and delivery outcomes are committed without waiting for the disk (UnsyncedCommits):
// each is derived from durable rows (the feed, the subscription's cursor) and a power loss that
// took one back only makes the deliverer do it again, so a delivery may repeat (receivers dedupe
// on webhook-id) but is never lost, and the worker's synced commits keep their fsyncs to
// themselves.
#include <limits>
#include <nlohmann/json.hpp>

#include "sqlite_store.hpp"

namespace relance::store {

namespace {

std::string types_json(const std::vector<std::string>& types) {
    return json(types).dump();
}

constexpr const char* kSubscriptionColumns =
    "SELECT id, target_url, events, secret, cursor, created_at, disabled_at, disabled_reason "
    "FROM webhook_subscriptions";

Store::Subscription read_subscription(SQLite::Statement& st) {
    Store::Subscription s;
    s.id = st.getColumn(0).getString();
    s.target_url = st.getColumn(1).getString();
    s.events = split_words(st.getColumn(2).getString());
    s.sealed_secret = st.getColumn(3).getString();
    s.cursor = st.getColumn(4).getInt64();
    s.created_at = st.getColumn(5).getInt64();
    s.disabled_at = optional_int(st.getColumn(6));
    s.disabled_reason = st.getColumn(7).getString();
    return s;
}

Store::FeedEvent read_feed_event(SQLite::Statement& st, int first) {
    Store::FeedEvent e;
    e.seq = st.getColumn(first).getInt64();
    e.type = st.getColumn(first + 1).getString();
    e.occurred_at = st.getColumn(first + 2).getInt64();
    e.data = st.getColumn(first + 3).getString();
    return e;
}

const char* delivery_status(Store::DeliveryOutcome::Result r) {
    switch (r) {
        case Store::DeliveryOutcome::Result::delivered:
            return "delivered";
        case Store::DeliveryOutcome::Result::retry:
            return "pending";
        case Store::DeliveryOutcome::Result::failed:
            return "failed";
        case Store::DeliveryOutcome::Result::gone:
            return "dropped";
    }
    return "failed";
}

}  // namespace

std::vector<Store::FeedEvent> SqliteStore::feed(const FeedQuery& q) {
    std::lock_guard g(m_);
    std::string sql = "SELECT seq, type, occurred_at, data FROM feed_view WHERE ";
    sql += q.descending ? "seq < ?1" : "seq > ?1";
    if (!q.types.empty()) sql += " AND type IN (SELECT value FROM json_each(?3))";
    sql += q.descending ? " ORDER BY seq DESC LIMIT ?2" : " ORDER BY seq LIMIT ?2";
    auto st_held = cached(sql);
    SQLite::Statement& st = *st_held;
    std::int64_t after = q.after;
    if (q.descending && after <= 0) after = std::numeric_limits<std::int64_t>::max();
    st.bind(1, static_cast<int64_t>(after));
    st.bind(2, q.limit);
    if (!q.types.empty()) st.bind(3, types_json(q.types));
    std::vector<FeedEvent> out;
    while (st.executeStep()) out.push_back(read_feed_event(st, 0));
    return out;
}

std::int64_t SqliteStore::feed_head() {
    std::lock_guard g(m_);
    auto st_held = cached("SELECT coalesce(max(seq), 0) FROM feed_events");
    SQLite::Statement& st = *st_held;
    st.executeStep();
    return st.getColumn(0).getInt64();
}

Store::Subscription SqliteStore::put_subscription(const Subscription& sub) {
    std::lock_guard g(m_);
    Subscription stored = sub;
    try {
        WriteTransaction tx(db_, *writers_);
        // The head read inside the write transaction: no event can commit between it and the
        // insert, so the subscription hears of every event after its creation and of none
        // before.
        stored.cursor = db_.execAndGet("SELECT coalesce(max(seq), 0) FROM feed_events").getInt64();
        SQLite::Statement st(db_,
                             "INSERT INTO webhook_subscriptions (id, target_url, events, secret, "
                             "cursor, created_at, disabled_at, disabled_reason) VALUES "
                             "(?,?,?,?,?,?,NULL,'')");
        st.bind(1, stored.id);
        st.bind(2, stored.target_url);
        st.bind(3, join_words(stored.events));
        st.bind(4, stored.sealed_secret);
        st.bind(5, static_cast<int64_t>(stored.cursor));
        st.bind(6, static_cast<int64_t>(stored.created_at));
        st.exec();
        tx.commit();
    } catch (const SQLite::Exception& e) {
        rethrow_store_error(e, "storing a subscription");
    }
    stored.disabled_at.reset();
    stored.disabled_reason.clear();
    return stored;
}

std::vector<Store::Subscription> SqliteStore::list_subscriptions(std::int64_t after_created_at,
                                                                 const std::string& after_id,
                                                                 int limit) {
    std::lock_guard g(m_);
    std::string sql = kSubscriptionColumns;
    if (!after_id.empty()) sql += " WHERE (created_at, id) > (?2, ?3)";
    sql += " ORDER BY created_at, id LIMIT ?1";
    auto st_held = cached(sql);
    SQLite::Statement& st = *st_held;
    st.bind(1, limit);
    if (!after_id.empty()) {
        st.bind(2, static_cast<int64_t>(after_created_at));
        st.bind(3, after_id);
    }
    std::vector<Subscription> out;
    while (st.executeStep()) out.push_back(read_subscription(st));
    return out;
}

std::optional<Store::Subscription> SqliteStore::get_subscription(const std::string& id) {
    std::lock_guard g(m_);
    auto st_held = cached(std::string(kSubscriptionColumns) + " WHERE id=?");
    SQLite::Statement& st = *st_held;
    st.bind(1, id);
    if (!st.executeStep()) return std::nullopt;
    return read_subscription(st);
}

bool SqliteStore::delete_subscription(const std::string& id) {
    std::lock_guard g(m_);
    try {
        WriteTransaction tx(db_, *writers_);
        SQLite::Statement del_deliveries(db_,
                                         "DELETE FROM webhook_deliveries WHERE subscription_id=?");
        del_deliveries.bind(1, id);
        del_deliveries.exec();
        SQLite::Statement del(db_, "DELETE FROM webhook_subscriptions WHERE id=?");
        del.bind(1, id);
        bool deleted = del.exec() == 1;
        tx.commit();
        return deleted;
    } catch (const SQLite::Exception& e) {
        rethrow_store_error(e, "deleting a subscription");
    }
}

std::int64_t SqliteStore::fan_out_deliveries(std::int64_t now, int limit) {
    std::lock_guard g(m_);
    // A look first, without the write lock: usually every cursor is at the head already (or
    // there is no subscription), and then nothing is written at all.
    struct Behind {
        std::string id;
        std::string types;
        std::int64_t cursor;
    };
    std::vector<Behind> behind;
    std::int64_t head = 0;
    {
        auto st_held = cached(
            "SELECT s.id, s.events, s.cursor, (SELECT coalesce(max(seq), 0) FROM feed_events) "
            "FROM webhook_subscriptions s WHERE s.disabled_at IS NULL");
        SQLite::Statement& st = *st_held;
        while (st.executeStep()) {
            head = st.getColumn(3).getInt64();
            if (st.getColumn(2).getInt64() < head)
                behind.push_back({st.getColumn(0).getString(), st.getColumn(1).getString(),
                                  st.getColumn(2).getInt64()});
        }
    }
    if (behind.empty()) return 0;
    std::int64_t made = 0;
    UnsyncedCommits unsynced(db_);
    try {
        WriteTransaction tx(db_, *writers_);
        auto ins_held = cached(
            "INSERT OR IGNORE INTO webhook_deliveries (subscription_id, event_seq, status, "
            "attempts, next_at, created_at, updated_at) SELECT ?1, seq, 'pending', 0, ?2, ?2, ?2 "
            "FROM feed_events WHERE seq > ?3 AND seq <= ?4 AND type IN (SELECT value FROM "
            "json_each(?5))");
        auto move_held = cached(
            "UPDATE webhook_subscriptions SET cursor=?1 WHERE id=?2 AND cursor=?3 AND "
            "disabled_at IS NULL");
        for (const auto& b : behind) {
            // At most `limit` events a pass per subscription, so one pass stays short however
            // far behind it is.
            std::int64_t upto = std::min(head, b.cursor + std::max(1, limit));
            SQLite::Statement& move = *move_held;
            move.bind(1, static_cast<int64_t>(upto));
            move.bind(2, b.id);
            move.bind(3, static_cast<int64_t>(b.cursor));
            bool moved = move.exec() == 1;
            move.reset();
            if (!moved) continue;  // deleted or disabled since the look
            SQLite::Statement& ins = *ins_held;
            ins.bind(1, b.id);
            ins.bind(2, static_cast<int64_t>(now));
            ins.bind(3, static_cast<int64_t>(b.cursor));
            ins.bind(4, static_cast<int64_t>(upto));
            ins.bind(5, types_json(split_words(b.types)));
            made += ins.exec();
            ins.reset();
        }
        tx.commit();
    } catch (const SQLite::Exception& e) {
        rethrow_store_error(e, "fanning out webhook deliveries");
    }
    return made;
}

std::vector<Store::Delivery> SqliteStore::due_deliveries(std::int64_t now, int limit) {
    std::lock_guard g(m_);
    auto st_held = cached(
        "SELECT d.subscription_id, d.event_seq, d.attempts, d.created_at, s.target_url, "
        "s.secret, e.seq, e.type, e.occurred_at, e.data FROM webhook_deliveries d INDEXED BY "
        "webhook_deliveries_due CROSS JOIN webhook_subscriptions s ON s.id = d.subscription_id "
        "CROSS JOIN feed_view e ON e.seq = d.event_seq WHERE d.status = 'pending' AND "
        "d.next_at <= ?1 AND s.disabled_at IS NULL ORDER BY d.next_at, d.event_seq LIMIT ?2");
    SQLite::Statement& st = *st_held;
    st.bind(1, static_cast<int64_t>(now));
    st.bind(2, limit);
    std::vector<Delivery> out;
    while (st.executeStep()) {
        Delivery d;
        d.subscription_id = st.getColumn(0).getString();
        d.event_seq = st.getColumn(1).getInt64();
        d.attempts = st.getColumn(2).getInt();
        d.created_at = st.getColumn(3).getInt64();
        d.target_url = st.getColumn(4).getString();
        d.sealed_secret = st.getColumn(5).getString();
        d.event = read_feed_event(st, 6);
        out.push_back(std::move(d));
    }
    return out;
}

void SqliteStore::record_deliveries(const std::vector<DeliveryOutcome>& outcomes,
                                    std::int64_t now) {
    if (outcomes.empty()) return;
    std::lock_guard g(m_);
    UnsyncedCommits unsynced(db_);
    try {
        WriteTransaction tx(db_, *writers_);
        auto up_held = cached(
            "UPDATE webhook_deliveries SET status=?1, attempts=attempts+1, next_at=?2, "
            "updated_at=?3, last_status_code=?4, last_error=?5 WHERE subscription_id=?6 AND "
            "event_seq=?7 AND status='pending'");
        for (const auto& o : outcomes) {
            SQLite::Statement& up = *up_held;
            up.bind(1, delivery_status(o.result));
            if (o.result == DeliveryOutcome::Result::retry)
                up.bind(2, static_cast<int64_t>(o.next_at));
            else
                up.bind(2);
            up.bind(3, static_cast<int64_t>(now));
            if (o.status_code > 0)
                up.bind(4, o.status_code);
            else
                up.bind(4);
            up.bind(5, o.error);
            up.bind(6, o.subscription_id);
            up.bind(7, static_cast<int64_t>(o.event_seq));
            up.exec();
            up.reset();
            if (o.result != DeliveryOutcome::Result::gone) continue;
            // 410 Gone: the receiver unsubscribed (Zapier's REST Hooks do this when a Zap is
            // turned off). Nothing more goes to it.
            SQLite::Statement off(db_,
                                  "UPDATE webhook_subscriptions SET disabled_at=?1, "
                                  "disabled_reason=?2 WHERE id=?3 AND disabled_at IS NULL");
            off.bind(1, static_cast<int64_t>(now));
            off.bind(2, "the target answered 410 Gone");
            off.bind(3, o.subscription_id);
            off.exec();
            SQLite::Statement drop(db_,
                                   "UPDATE webhook_deliveries SET status='dropped', next_at=NULL, "
                                   "updated_at=?1 WHERE subscription_id=?2 AND status='pending'");
            drop.bind(1, static_cast<int64_t>(now));
            drop.bind(2, o.subscription_id);
            drop.exec();
        }
        tx.commit();
    } catch (const SQLite::Exception& e) {
        rethrow_store_error(e, "recording webhook deliveries");
    }
}

Store::OutboxFigures SqliteStore::outbox_figures() {
    std::lock_guard g(m_);
    auto st_held = cached(
        "SELECT count(*), min(created_at) FROM webhook_deliveries INDEXED BY "
        "webhook_deliveries_due WHERE status = 'pending'");
    SQLite::Statement& st = *st_held;
    OutboxFigures f;
    if (st.executeStep()) {
        f.pending = st.getColumn(0).getInt64();
        f.oldest_pending_at = optional_int(st.getColumn(1));
    }
    return f;
}

std::vector<Store::DeliveryRow> SqliteStore::deliveries_of(const std::string& subscription_id) {
    std::lock_guard g(m_);
    auto st_held = cached(
        "SELECT event_seq, status, attempts, next_at, last_status_code, last_error FROM "
        "webhook_deliveries WHERE subscription_id=? ORDER BY event_seq");
    SQLite::Statement& st = *st_held;
    st.bind(1, subscription_id);
    std::vector<DeliveryRow> out;
    while (st.executeStep()) {
        DeliveryRow r;
        r.event_seq = st.getColumn(0).getInt64();
        r.status = st.getColumn(1).getString();
        r.attempts = st.getColumn(2).getInt();
        r.next_at = optional_int(st.getColumn(3));
        if (!st.getColumn(4).isNull()) r.last_status_code = st.getColumn(4).getInt();
        r.last_error = st.getColumn(5).getString();
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace relance::store
