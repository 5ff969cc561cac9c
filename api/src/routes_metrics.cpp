// Placeholder while this route is written (issue 9): it adds nothing yet.
#include "routes.hpp"

namespace relance::api::detail {

void add_metrics_routes(Router&) {}

}  // namespace relance::api::detail
