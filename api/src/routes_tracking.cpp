// Placeholder: filled in by its own change.
#include "routes.hpp"

namespace relance::api::detail {

void add_tracking_routes(Router&) {}

}  // namespace relance::api::detail
