#include <array>
#include <relance/signatures/encoding.hpp>
#include <relance/signatures/hmac.hpp>
#include <relance/tracking/token.hpp>
#include <stdexcept>

namespace relance::tracking {

namespace {

constexpr unsigned char kVersion = 1;
// Domain separation: a tag made for tracking links is never a valid MAC of anything else the
// key might ever sign.
constexpr std::string_view kContext = "relance/track/v1\n";

bool printable(std::string_view s) {
    for (char c : s)
        if (c < '!' || c > '~') return false;
    return true;
}

bool http_url(std::string_view url) {
    auto starts = [&](std::string_view prefix) {
        if (url.size() <= prefix.size()) return false;
        for (std::size_t i = 0; i < prefix.size(); ++i) {
            char c = url[i];
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            if (c != prefix[i]) return false;
        }
        return true;
    };
    return starts("http://") || starts("https://");
}

void put_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out += static_cast<char>((v & 0x7f) | 0x80);
        v >>= 7;
    }
    out += static_cast<char>(v);
}

// A canonical varint of at most `max` (no redundant 0x80 continuation bytes).
bool get_varint(std::string_view in, std::size_t& at, std::uint64_t max, std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (at >= in.size()) return false;
        auto b = static_cast<unsigned char>(in[at++]);
        v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            if (b == 0 && shift > 0) return false;  // a redundant last byte
            return v <= max;
        }
    }
    return false;
}

bool get_text(std::string_view in, std::size_t& at, std::size_t max, std::string& out) {
    std::uint64_t n = 0;
    if (!get_varint(in, at, max, n) || n > in.size() - at) return false;
    out.assign(in.substr(at, static_cast<std::size_t>(n)));
    at += static_cast<std::size_t>(n);
    return true;
}

std::string tag_of(std::string_view payload, std::string_view key) {
    std::string mac = signatures::hmac_sha256(key, {kContext, payload});
    mac.resize(kTagBytes);
    return mac;
}

}  // namespace

std::string run_id_of(std::string_view message_id) {
    std::size_t dot = message_id.find('.');
    return dot == std::string_view::npos ? std::string() : std::string(message_id.substr(0, dot));
}

std::optional<std::string> printable_url(std::string_view url) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(url.size());
    for (char c : url) {
        auto b = static_cast<unsigned char>(c);
        if (b < 0x20 || b == 0x7f) return std::nullopt;
        if (b == ' ' || b >= 0x80) {
            out += '%';
            out += kHex[b >> 4];
            out += kHex[b & 15];
        } else {
            out += c;
        }
    }
    return out;
}

std::optional<std::string> sign(const Link& link, std::string_view key) {
    if (key.size() != kKeyBytes)
        throw std::invalid_argument("the tracking key must be " + std::to_string(kKeyBytes) +
                                    " bytes");
    if (link.message_id.empty() || link.message_id.size() > kMaxMessageIdBytes ||
        !printable(link.message_id))
        return std::nullopt;
    std::string payload;
    payload += static_cast<char>(kVersion);
    payload += static_cast<char>(link.kind);
    put_varint(payload, link.message_id.size());
    payload += link.message_id;
    if (link.kind == LinkKind::click) {
        if (link.url.size() > kMaxUrlBytes || !printable(link.url) || !http_url(link.url))
            return std::nullopt;
        put_varint(payload, link.index);
        put_varint(payload, link.url.size());
        payload += link.url;
    }
    payload += tag_of(payload, key);
    return signatures::base64url_encode(payload);
}

std::optional<Link> parse_payload(std::string_view in) {
    if (in.size() < 3 || static_cast<unsigned char>(in[0]) != kVersion) return std::nullopt;
    Link link;
    switch (in[1]) {
        case 'o':
            link.kind = LinkKind::open;
            break;
        case 'c':
            link.kind = LinkKind::click;
            break;
        case 'u':
            link.kind = LinkKind::unsubscribe;
            break;
        default:
            return std::nullopt;
    }
    std::size_t at = 2;
    if (!get_text(in, at, kMaxMessageIdBytes, link.message_id) || link.message_id.empty() ||
        !printable(link.message_id))
        return std::nullopt;
    if (link.kind == LinkKind::click) {
        std::uint64_t index = 0;
        if (!get_varint(in, at, 0xffffffffu, index)) return std::nullopt;
        link.index = static_cast<std::uint32_t>(index);
        if (!get_text(in, at, kMaxUrlBytes, link.url) || !printable(link.url) ||
            !http_url(link.url))
            return std::nullopt;
    }
    if (at != in.size()) return std::nullopt;  // nothing may follow
    return link;
}

std::optional<Link> verify(std::string_view token, std::string_view key) {
    if (key.size() != kKeyBytes || token.size() > kMaxTokenChars) return std::nullopt;
    auto bytes = signatures::base64url_decode(token);
    if (!bytes || bytes->size() <= kTagBytes) return std::nullopt;
    std::string_view all(*bytes);
    std::string_view payload = all.substr(0, all.size() - kTagBytes);
    std::string_view tag = all.substr(all.size() - kTagBytes);
    // The tag first: nothing an unsigned token holds is parsed.
    if (!signatures::constant_time_equal(tag, tag_of(payload, key))) return std::nullopt;
    return parse_payload(payload);
}

}  // namespace relance::tracking
