// Simulation scenarios on any bytes: a scenario loads (then draws) or is refused with
// std::invalid_argument naming its place; anything else is a bug.
#include <cstdint>
#include <relance/runtime/scenario.hpp>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    try {
        auto scenario = relance::runtime::Scenario::load_text(text, "fuzz.yaml");
        scenario.unknown_types({"meeting_booked"});
        scenario.draw("intro", "m_1");
    } catch (const std::invalid_argument&) {
    }
    return 0;
}
