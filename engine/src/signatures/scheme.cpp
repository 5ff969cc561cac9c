#include "relance/signatures/scheme.hpp"

#include <stdexcept>
#include <string>

#include "relance/signatures/standard_webhooks.hpp"

namespace relance::signatures {
namespace {

[[noreturn]] void fail(std::string_view scheme, const std::string& what) {
    throw std::invalid_argument("signature scheme " + std::string(scheme) + ": " + what);
}

// RFC 9110 token characters: what a header name may hold.
bool is_header_name(std::string_view name) {
    if (name.empty() || name.size() > 256) return false;
    for (char c : name) {
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos)
            return false;
    }
    return true;
}

bool is_printable_ascii(std::string_view text) {
    for (char c : text)
        if (c < ' ' || c > '~') return false;
    return true;
}

std::int64_t parse_tolerance(std::string_view scheme, std::string_view text) {
    std::int64_t value = 0;
    bool digits = !text.empty() && text.size() <= 6;
    for (char c : text) {
        if (c < '0' || c > '9') {
            digits = false;
            break;
        }
        value = value * 10 + (c - '0');
    }
    if (!digits || value < 1 || value > kMaxToleranceSeconds)
        fail(scheme, "tolerance '" + std::string(text.substr(0, 40)) +
                         "' must be whole seconds from 1 to " +
                         std::to_string(kMaxToleranceSeconds));
    return value;
}

}  // namespace

std::string_view to_string(SchemeKind kind) {
    switch (kind) {
        case SchemeKind::standard_webhooks:
            return "standard_webhooks";
        case SchemeKind::stripe:
            return "stripe";
        case SchemeKind::hmac_sha256:
            return "hmac_sha256";
        case SchemeKind::none:
            return "none";
    }
    return "unknown";
}

std::string_view to_string(DigestEncoding encoding) {
    return encoding == DigestEncoding::hex ? "hex" : "base64";
}

SchemeConfig SchemeConfig::standard_webhooks(std::int64_t tolerance_s) {
    SchemeConfig config;
    config.kind = SchemeKind::standard_webhooks;
    config.tolerance_s = tolerance_s;
    return config;
}

SchemeConfig SchemeConfig::stripe(std::int64_t tolerance_s) {
    SchemeConfig config;
    config.kind = SchemeKind::stripe;
    config.tolerance_s = tolerance_s;
    return config;
}

SchemeConfig SchemeConfig::hmac_sha256(std::string header, DigestEncoding encoding,
                                       std::string prefix, std::string id_header) {
    SchemeConfig config;
    config.kind = SchemeKind::hmac_sha256;
    config.header = std::move(header);
    config.encoding = encoding;
    config.prefix = std::move(prefix);
    config.id_header = std::move(id_header);
    return config;
}

SchemeConfig SchemeConfig::none() {
    return SchemeConfig{};
}

SchemeConfig SchemeConfig::github() {
    return hmac_sha256("X-Hub-Signature-256", DigestEncoding::hex, "sha256=", "X-GitHub-Delivery");
}

SchemeConfig SchemeConfig::shopify() {
    return hmac_sha256("X-Shopify-Hmac-Sha256", DigestEncoding::base64, "", "X-Shopify-Webhook-Id");
}

SchemeConfig parse_scheme(std::string_view name, const SchemeOptions& options) {
    SchemeConfig config;
    std::string_view known;  // the options this scheme takes, for the error message
    if (name == "standard_webhooks") {
        config.kind = SchemeKind::standard_webhooks;
        known = "tolerance";
    } else if (name == "stripe") {
        config.kind = SchemeKind::stripe;
        known = "tolerance";
    } else if (name == "hmac_sha256") {
        config.kind = SchemeKind::hmac_sha256;
        known = "header, encoding, prefix, id_header";
    } else if (name == "none") {
        config.kind = SchemeKind::none;
    } else {
        std::string shown(name.substr(0, 40));
        throw std::invalid_argument("unknown signature scheme '" + shown +
                                    "' (known: standard_webhooks, stripe, hmac_sha256, none)");
    }
    std::string_view scheme = to_string(config.kind);
    // Bounds the duplicate check below, which compares each option with those before it.
    if (options.size() > 8) fail(scheme, "has " + std::to_string(options.size()) + " options");

    for (std::size_t i = 0; i < options.size(); ++i) {
        const auto& [key, value] = options[i];
        for (std::size_t j = 0; j < i; ++j)
            if (options[j].first == key) fail(scheme, "option '" + key + "' is given twice");
        bool timed =
            config.kind == SchemeKind::standard_webhooks || config.kind == SchemeKind::stripe;
        bool hmac = config.kind == SchemeKind::hmac_sha256;
        if (timed && key == "tolerance") {
            config.tolerance_s = parse_tolerance(scheme, value);
        } else if (hmac && key == "header") {
            if (!is_header_name(value))
                fail(scheme, "header '" + value.substr(0, 40) + "' is not a header name");
            config.header = value;
        } else if (hmac && key == "encoding") {
            if (value == "hex")
                config.encoding = DigestEncoding::hex;
            else if (value == "base64")
                config.encoding = DigestEncoding::base64;
            else
                fail(scheme, "encoding '" + value.substr(0, 40) + "' must be hex or base64");
        } else if (hmac && key == "prefix") {
            if (value.size() > 64 || !is_printable_ascii(value))
                fail(scheme, "prefix must be at most 64 printable ASCII characters");
            config.prefix = value;
        } else if (hmac && key == "id_header") {
            if (!is_header_name(value))
                fail(scheme, "id_header '" + value.substr(0, 40) + "' is not a header name");
            config.id_header = value;
        } else if (known.empty()) {
            fail(scheme, "takes no option, got '" + key.substr(0, 40) + "'");
        } else {
            fail(scheme, "unknown option '" + key.substr(0, 40) +
                             "' (known options: " + std::string(known) + ")");
        }
    }
    if (config.kind == SchemeKind::hmac_sha256 && config.header.empty())
        fail(scheme, "option 'header' is required (e.g. X-Hub-Signature-256)");
    return config;
}

std::string secret_problem(const SchemeConfig& scheme, std::string_view secret) {
    switch (scheme.kind) {
        case SchemeKind::none:
            return {};
        case SchemeKind::standard_webhooks:
            if (!decode_standard_webhook_secret(secret))
                return "the standard_webhooks secret is not whsec_ followed by base64 (or is "
                       "empty)";
            return {};
        case SchemeKind::stripe:
        case SchemeKind::hmac_sha256:
            if (secret.empty())
                return "the " + std::string(to_string(scheme.kind)) + " secret is empty";
            return {};
    }
    return "unknown signature scheme";
}

}  // namespace relance::signatures
