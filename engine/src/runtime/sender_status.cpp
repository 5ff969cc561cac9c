#include <relance/runtime/senders.hpp>

#include "sender_desk.hpp"

namespace relance::runtime {

std::vector<SenderStatus> sender_status(store::Store& store, const model::Config& config,
                                        TimePoint now) {
    // A non-owning alias: the desk only reads the config during this call.
    SenderDesk desk(store, std::shared_ptr<const model::Config>(&config, [](auto*) {}));
    std::vector<SenderStatus> out;
    for (const auto& account : config.senders) {
        SenderStatus st;
        st.id = account.id;
        st.channel = account.channel;
        for (const auto& pool : config.pools)
            for (const auto& m : pool.members)
                if (m == account.id) st.pools.push_back(pool.name);
        auto usage = desk.usage(account, now);
        st.sent_last_day = static_cast<std::int64_t>(usage.sent_last_day);
        st.cap_today = usage.cap_today;
        if (usage.next.earliest == TimePoint::max())
            st.next_send_at = -1;
        else if (!usage.next.allowed_now(now))
            st.next_send_at = to_unix_ms(usage.next.earliest);
        st.limited_by = usage.next.reason;
        out.push_back(std::move(st));
    }
    return out;
}

}  // namespace relance::runtime
