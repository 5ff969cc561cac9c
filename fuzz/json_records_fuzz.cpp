// JSON records (arrays, objects, JSON lines) on any bytes: each record is read or reported, or
// the input stops with an InputError; anything else is a bug.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <relance/runtime/records.hpp>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace relance;
    runtime::ReadOptions options;
    options.limits.max_record_bytes = 4096;
    options.limits.max_depth = 16;
    options.limits.max_records = 1000;
    auto in = std::make_unique<std::istringstream>(
        std::string(reinterpret_cast<const char*>(data), size));
    auto reader = runtime::json_records(std::move(in), "fuzz.json", options);
    try {
        runtime::InputRecord r;
        while (reader->next(r)) {
            if (r.problem.empty() && !r.value->is_object()) __builtin_trap();
        }
    } catch (const runtime::InputError&) {
    }
    return 0;
}
