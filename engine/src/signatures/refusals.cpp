#include "refusals.hpp"

#include <string>

namespace relance::signatures::detail {

std::string count_of(std::size_t n, std::string_view singular, std::string_view plural) {
    std::string text = std::to_string(n);
    text += ' ';
    text += n == 1 ? singular : plural;
    return text;
}

std::optional<Verdict> refuse_unless_found(const HeaderLookup& lookup, std::string_view name) {
    using Status = HeaderLookup::Status;
    switch (lookup.status) {
        case Status::found:
            return std::nullopt;
        case Status::missing:
            return Verdict::refused(RefusalCode::missing_header, name);
        case Status::duplicated:
            return Verdict::refused(RefusalCode::duplicate_header,
                                    std::string(name) + " appears " +
                                        count_of(lookup.count, "time", "times") +
                                        " (a signature header must appear once)");
        case Status::too_large:
            return Verdict::refused(RefusalCode::header_too_large,
                                    std::string(name) + " is " +
                                        count_of(lookup.size, "byte", "bytes") + " (limit " +
                                        std::to_string(kMaxHeaderValueBytes) + ")");
    }
    return Verdict::refused(RefusalCode::malformed_header, name);
}

std::optional<Verdict> refuse_unless_fresh(std::int64_t timestamp, std::int64_t now,
                                           std::int64_t tolerance_s, std::string_view what) {
    std::int64_t age = 0;
    // Both are bounded by their parsers in practice, but `now` comes from the caller: an
    // overflowing difference is as far out of tolerance as a difference can be.
    if (__builtin_sub_overflow(now, timestamp, &age))
        return Verdict::refused(RefusalCode::timestamp_out_of_tolerance,
                                std::string(what) + " is too far from now");
    if (age > tolerance_s)
        return Verdict::refused(RefusalCode::timestamp_out_of_tolerance,
                                std::string(what) + " is " + std::to_string(age) +
                                    " s in the past (tolerance " + std::to_string(tolerance_s) +
                                    " s)");
    if (age < -tolerance_s)
        return Verdict::refused(
            RefusalCode::timestamp_out_of_tolerance,
            std::string(what) + " is " + std::to_string(0 - static_cast<std::uint64_t>(age)) +
                " s in the future (tolerance " + std::to_string(tolerance_s) + " s)");
    return std::nullopt;
}

}  // namespace relance::signatures::detail
