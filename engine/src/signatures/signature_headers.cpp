#include "relance/signatures/signature_headers.hpp"

#include "relance/signatures/http_headers.hpp"

namespace relance::signatures {
namespace {

// Splits `text` at each `separator`, handing every piece (possibly empty) to `piece`, which
// returns false to stop. One pass, no allocation.
template <typename Piece>
void split(std::string_view text, char separator, Piece&& piece) {
    while (true) {
        std::size_t end = text.find(separator);
        if (!piece(text.substr(0, end))) return;
        if (end == std::string_view::npos) return;
        text.remove_prefix(end + 1);
    }
}

std::string ordinal_entry(std::string_view kind, std::size_t n) {
    return std::string(kind) + " " + std::to_string(n);
}

}  // namespace

std::optional<std::int64_t> parse_unix_seconds(std::string_view text) {
    if (text.empty() || text.size() > 18) return std::nullopt;
    std::int64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

StandardWebhookSignatures parse_standard_webhook_signatures(std::string_view value) {
    StandardWebhookSignatures parsed;
    // Counted first, so an oversized list is refused before anything is kept.
    std::size_t entries = 0;
    split(value, ' ', [&](std::string_view entry) {
        if (!entry.empty()) ++entries;
        return true;
    });
    if (entries > kMaxSignatures) {
        parsed.too_many = true;
        return parsed;
    }
    if (entries == 0) {
        parsed.error = "has no signature (expected v1,<base64>)";
        return parsed;
    }
    std::size_t index = 0;
    split(value, ' ', [&](std::string_view entry) {
        // Senders separate entries with one space; a run of spaces is read as one.
        if (entry.empty()) return true;
        ++index;
        std::size_t comma = entry.find(',');
        if (comma == std::string_view::npos) {
            parsed.error = "has no ',' between version and signature in " +
                           ordinal_entry("entry", index) + " (expected v1,<base64>)";
            return false;
        }
        std::string_view version = entry.substr(0, comma);
        std::string_view signature = entry.substr(comma + 1);
        if (version.empty() || signature.empty()) {
            parsed.error = "has an empty version or signature in " + ordinal_entry("entry", index);
            return false;
        }
        if (version == "v1")
            parsed.v1.push_back(signature);
        else
            ++parsed.other_versions;
        return true;
    });
    if (!parsed.error.empty()) parsed.v1.clear();
    return parsed;
}

StripeSignatureHeader parse_stripe_signature(std::string_view value) {
    StripeSignatureHeader parsed;
    std::size_t signatures = 0;
    split(value, ',', [&](std::string_view item) {
        item = trim_http_whitespace(item);
        if (!item.empty() && !item.starts_with("t=")) ++signatures;
        return true;
    });
    if (signatures > kMaxSignatures) {
        parsed.too_many = true;
        return parsed;
    }
    bool has_timestamp = false;
    std::size_t index = 0;
    split(value, ',', [&](std::string_view item) {
        item = trim_http_whitespace(item);
        ++index;
        // An empty item (a trailing comma) carries nothing; Stripe's libraries skip it too.
        if (item.empty()) return true;
        std::size_t equals = item.find('=');
        if (equals == std::string_view::npos || equals == 0) {
            parsed.error = "has no key=value in " + ordinal_entry("item", index) +
                           " (expected t=<unix>,v1=<hex>)";
            return false;
        }
        std::string_view key = item.substr(0, equals);
        std::string_view item_value = item.substr(equals + 1);
        if (key == "t") {
            if (has_timestamp) {
                parsed.error = "has more than one t= timestamp";
                return false;
            }
            auto timestamp = parse_unix_seconds(item_value);
            if (!timestamp) {
                parsed.error = "has a t= that is not a unix time in seconds";
                return false;
            }
            has_timestamp = true;
            parsed.timestamp = *timestamp;
        } else if (key == "v1") {
            parsed.v1.push_back(item_value);
        } else {
            ++parsed.other_items;
        }
        return true;
    });
    if (parsed.error.empty() && !has_timestamp) parsed.error = "has no t= timestamp";
    if (!parsed.error.empty()) parsed.v1.clear();
    return parsed;
}

}  // namespace relance::signatures
