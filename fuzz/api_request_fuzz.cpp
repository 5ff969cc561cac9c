// The API's parsers of what a client sends, as `relance serve` runs them: the request target
// (routing against the real route table, each path segment percent-decoded on its own) and the
// JSON body (bounded, an object, the place of the first error). Input: METHOD '\n' TARGET '\n'
// BODY. Whatever the bytes, each answer is a route, a problem or an invalid-body error: never a
// crash, and a match's parameters are as many as its pattern's.
#include <cstdint>
#include <cstdlib>
#include <relance/app/error.hpp>
#include <string_view>

#include "body.hpp"
#include "problem.hpp"
#include "router.hpp"
#include "routes.hpp"

namespace {

using namespace relance::api::detail;

const Router& routes() {
    static const Router router = [] {
        Router r;
        add_health_routes(r);
        add_run_routes(r);
        add_event_routes(r);
        add_suppression_routes(r);
        add_stats_routes(r);
        return r;
    }();
    return router;
}

std::size_t parameters_in(const std::string& pattern) {
    std::size_t n = 0;
    for (char c : pattern) n += c == '{' ? 1 : 0;
    return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    auto first = in.find('\n');
    std::string_view method = in.substr(0, first);
    std::string_view rest =
        first == std::string_view::npos ? std::string_view{} : in.substr(first + 1);
    auto second = rest.find('\n');
    std::string_view target = rest.substr(0, second);
    std::string_view body =
        second == std::string_view::npos ? std::string_view{} : rest.substr(second + 1);
    try {
        Match m = routes().match(method, target);
        if (m.route && m.params.size() != parameters_in(m.route->pattern)) std::abort();
        if (!m.route && m.status != 404 && m.status != 405) std::abort();
    } catch (const ProblemError& e) {
        if (e.problem().status != 400) std::abort();
    }
    try {
        auto value = parse_json_object(body, 1 << 20);
        if (!value.is_object()) std::abort();
    } catch (const relance::app::Error& e) {
        if (e.kind() != relance::app::ErrorKind::invalid) std::abort();
    }
    return 0;
}
