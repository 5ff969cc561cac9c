// The UTF-8 helpers every input boundary relies on: whatever the bytes, the repaired text is
// valid, a cut never splits a character of valid text, and nothing reads out of bounds.
#include <cstdint>
#include <cstdlib>
#include <relance/base/utf8.hpp>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    bool valid = !relance::find_invalid_utf8(text);
    std::string fixed = relance::to_valid_utf8(text);
    if (relance::find_invalid_utf8(fixed)) std::abort();
    if (valid && fixed != text) std::abort();
    for (std::size_t n : {std::size_t{0}, size / 2, size}) {
        auto cut = relance::cut_utf8(fixed, n);
        if (cut.size() > n || relance::find_invalid_utf8(cut)) std::abort();
    }
    return 0;
}
