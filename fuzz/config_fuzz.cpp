// The workspace config loader on any bytes: it loads or is refused with a LoadError; anything
// else is a bug.
#include <cstdint>
#include <relance/model/config.hpp>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    try {
        auto config = relance::model::load_config_text(text, "fuzz.yaml");
        std::vector<std::string> unknown;
        config.expand(config.names(), &unknown);
    } catch (const relance::model::LoadError&) {
    }
    return 0;
}
