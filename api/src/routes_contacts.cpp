// Placeholder: filled in by its own change.
#include "routes.hpp"

namespace relance::api::detail {

void add_contact_routes(Router&) {}

}  // namespace relance::api::detail
