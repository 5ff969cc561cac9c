// Flattens the step tree into a program with explicit successors. The layout (depth-first
// document order) is a pure function of the workflow, so a run stored as "node 7 of version X"
// means the same thing after any restart.
#include <deque>
#include <relance/model/workflow.hpp>

namespace relance::model {

namespace {

void lay_out(const std::vector<Step>& steps, Program& p) {
    for (const auto& s : steps) {
        Node n;
        n.step = &s;
        p.index_of[s.id] = static_cast<int>(p.nodes.size());
        p.nodes.push_back(n);
        lay_out(s.then_steps, p);
        lay_out(s.else_steps, p);
    }
}

// `cont` is where control goes after the last step of this list: the enclosing if's `next`,
// or -1 (run complete) at top level.
void link(const std::vector<Step>& steps, int cont, Program& p) {
    for (std::size_t k = 0; k < steps.size(); ++k) {
        const Step& s = steps[k];
        Node& n = p.nodes[p.index_of.at(s.id)];
        n.next = k + 1 < steps.size() ? p.index_of.at(steps[k + 1].id) : cont;
        if (s.kind == StepKind::exit) n.next = -1;
        if (s.kind == StepKind::if_ || s.kind == StepKind::wait_for) {
            n.then_first = s.then_steps.empty() ? -1 : p.index_of.at(s.then_steps[0].id);
            n.else_first = s.else_steps.empty() ? -1 : p.index_of.at(s.else_steps[0].id);
            int after = n.next;
            link(s.then_steps, after, p);
            link(s.else_steps, after, p);
        }
    }
}

}  // namespace

Program compile(const Workflow& wf) {
    Program p;
    lay_out(wf.steps, p);
    link(wf.steps, -1, p);
    for (auto& n : p.nodes) {
        if (n.step->on_error.kind != OnError::Kind::go_to) continue;
        auto it = p.index_of.find(n.step->on_error.target);
        n.on_error = it == p.index_of.end() ? -1 : it->second;
    }
    if (p.nodes.empty()) return p;
    std::vector<bool> seen(p.nodes.size(), false);
    std::deque<int> todo{0};
    seen[0] = true;
    while (!todo.empty()) {
        const Node& n = p.nodes[todo.front()];
        todo.pop_front();
        for (int to : {n.next, n.then_first, n.else_first, n.on_error}) {
            if (to < 0 || seen[to]) continue;
            seen[to] = true;
            todo.push_back(to);
        }
    }
    for (std::size_t i = 0; i < p.nodes.size(); ++i)
        if (!seen[i]) p.unreachable.push_back(p.nodes[i].step->id);
    return p;
}

}  // namespace relance::model
