// GET /openapi.json: the OpenAPI 3.1 document of this API (docs/openapi.json, built in). No key:
// clients and tools read it before they hold one.
#include "routes.hpp"

namespace relance::api::detail {

extern const std::string_view kOpenApiDocument;

namespace {
Reply document(Call&) {
    Reply reply;
    reply.status = 200;
    reply.text = std::string(kOpenApiDocument);
    reply.content_type = "application/json";
    return reply;
}
}  // namespace

void add_openapi_routes(Router& router) {
    router.add({"GET", "/openapi.json", "", BodyKind::none, {}, true, false, document});
}

}  // namespace relance::api::detail
