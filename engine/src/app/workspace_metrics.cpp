// The figures /metrics reads from the store at a scrape. The events (calls, steps, requests)
// are counted where they happen, by the server; this is only the state the store holds.
#include <relance/app/workspace.hpp>

namespace relance::app {

Workspace::StoreFigures Workspace::store_figures() {
    store::Store& s = store();
    StoreFigures f;
    f.now = to_unix_ms(clock_.now());
    f.queue = s.queue_figures(f.now);
    f.runs = s.run_tallies();
    f.outbox = s.outbox_figures();
    return f;
}

}  // namespace relance::app
