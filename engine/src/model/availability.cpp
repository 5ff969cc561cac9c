#include "availability.hpp"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>

namespace relance::model::detail {

namespace {

using Mask = std::uint64_t;

struct Edge {
    int to;
    Mask adds;  // facts the edge sets (a step's success, a wait_for's event)
};

// The edges leaving node `i` and what each sets, for facts [first, first + 64).
std::vector<Edge> edges_of(const Program& p, int i, const std::vector<Fact>& facts,
                           std::size_t first) {
    const Node& n = p.nodes[static_cast<std::size_t>(i)];
    const Step& s = *n.step;
    Mask gen = 0;
    for (std::size_t k = first; k < facts.size() && k < first + 64; ++k) {
        const Fact& f = facts[k];
        bool sets =
            f.kind == Fact::Kind::output
                ? f.name == s.id && (s.kind == StepKind::action || s.kind == StepKind::lua ||
                                     s.kind == StepKind::wait_for)
                : s.kind == StepKind::set && s.set->is_object() && s.set->contains(f.name);
        if (sets) gen |= Mask{1} << (k - first);
    }
    std::vector<Edge> out;
    auto to = [&](int target, Mask adds) {
        if (target >= 0) out.push_back({target, adds});
    };
    if (!s.when.empty()) to(n.next, 0);  // skipped: nothing set
    switch (s.kind) {
        case StepKind::exit:
            break;
        case StepKind::if_:
            to(n.then_first >= 0 ? n.then_first : n.next, 0);
            to(n.else_first >= 0 ? n.else_first : n.next, 0);
            break;
        case StepKind::wait_for:  // the event (then) sets the output; the timeout (else) not
            to(n.then_first >= 0 ? n.then_first : n.next, gen);
            to(n.else_first >= 0 ? n.else_first : n.next, 0);
            break;
        case StepKind::wait:
            to(n.next, 0);
            if (s.wait_until) {
                // `past: skip` passes over the step after the wait; a bad moment goes on_error.
                if (s.wait_until->past == WaitUntil::Past::skip && n.next >= 0)
                    to(p.nodes[static_cast<std::size_t>(n.next)].next, 0);
                if (s.on_error.kind == OnError::Kind::go_to) to(n.on_error, 0);
            }
            break;
        case StepKind::action:
        case StepKind::lua:
        case StepKind::set:
            to(n.next, gen);
            if (s.on_error.kind == OnError::Kind::continue_) to(n.next, 0);
            if (s.on_error.kind == OnError::Kind::go_to) to(n.on_error, 0);
            break;
    }
    return out;
}

}  // namespace

std::vector<bool> facts_always_set(const Program& p, const std::vector<Fact>& facts,
                                   const std::vector<FactQuery>& queries) {
    std::vector<bool> out(queries.size(), true);
    if (p.nodes.empty()) return out;
    for (std::size_t first = 0; first < facts.size(); first += 64) {
        // Start from "everything" and intersect along every edge until nothing changes; only
        // the entry starts with nothing.
        std::vector<Mask> in(p.nodes.size(), ~Mask{0});
        std::vector<bool> queued(p.nodes.size(), false);
        in[0] = 0;
        std::deque<int> todo{0};
        queued[0] = true;
        while (!todo.empty()) {
            int i = todo.front();
            todo.pop_front();
            queued[static_cast<std::size_t>(i)] = false;
            for (const Edge& e : edges_of(p, i, facts, first)) {
                auto t = static_cast<std::size_t>(e.to);
                Mask next = in[t] & (in[static_cast<std::size_t>(i)] | e.adds);
                if (next == in[t]) continue;
                in[t] = next;
                if (!queued[t]) {
                    queued[t] = true;
                    todo.push_back(e.to);
                }
            }
        }
        for (std::size_t q = 0; q < queries.size(); ++q) {
            const FactQuery& query = queries[q];
            if (query.fact < first || query.fact >= first + 64 || query.node < 0) continue;
            out[q] = (in[static_cast<std::size_t>(query.node)] >> (query.fact - first)) & 1;
        }
    }
    return out;
}

}  // namespace relance::model::detail
