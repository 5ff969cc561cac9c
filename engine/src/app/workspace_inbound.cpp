// Placeholder while the inbound role is written (issue 9, point 6).
#include <relance/app/error.hpp>
#include <relance/app/inbound.hpp>
#include <relance/app/workspace.hpp>

namespace relance::app {

InboundResult Workspace::receive_inbound(const InboundRequest&) {
    throw Error(ErrorKind::unsupported, "provider callbacks are not built yet");
}

}  // namespace relance::app
