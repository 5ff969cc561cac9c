// Tracking link tokens: what an open pixel, a click redirect or a one-click unsubscribe URL
// carries (docs/tracking.md). A token is the base64url (no padding) of a small binary payload
// followed by a 128-bit HMAC-SHA256 tag under the server's tracking key. The token is the only
// credential of the /t/ routes, so a click token names its own destination and is signed per
// link: /t/c/ redirects only where a relance send put the link, never where a URL says.
//
// Payload, version 1:
//   0x01, kind ('o' | 'c' | 'u'), varint length + message id
//   clicks only: varint link index, varint length + destination URL
// The message id is the engine's `<run>.<step>.<seq>` (store::engine_message_id): it names the
// run (hence the contact, read from the store: no address travels in the URL), the step and the
// step row. Nothing here reads a clock, a store or the network.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace relance::tracking {

enum class LinkKind : char { open = 'o', click = 'c', unsubscribe = 'u' };

struct Link {
    LinkKind kind = LinkKind::open;
    std::string message_id;   // <run>.<step>.<seq>
    std::uint32_t index = 0;  // clicks: the link's place among the rewritten links of the body
    std::string url;          // clicks: the destination, http(s) and printable ASCII only
};

inline constexpr std::size_t kKeyBytes = 32;  // the server key: 32 random bytes
inline constexpr std::size_t kTagBytes = 16;  // HMAC-SHA256 cut to 128 bits
inline constexpr std::size_t kMaxMessageIdBytes = 200;
inline constexpr std::size_t kMaxUrlBytes = 2048;    // longer links are left as they are
inline constexpr std::size_t kMaxTokenChars = 4096;  // longer path segments are refused unread

// The token for `link`. nullopt when the link cannot be carried: an empty or over-long message
// id, a message id with a byte outside '!'..'~', or (clicks) a URL that is not http(s), is over
// kMaxUrlBytes or holds a byte outside '!'..'~' (callers percent-encode first:
// tracking::printable_url). Throws std::invalid_argument when the key is not kKeyBytes long.
std::optional<std::string> sign(const Link& link, std::string_view key);

// The link a token carries, when its tag verifies under `key` (compared in constant time) and
// its payload is well formed; nullopt for anything else (a wrong key, one byte changed, a
// truncated token, a non-canonical encoding). Never throws for what the token holds.
std::optional<Link> verify(std::string_view token, std::string_view key);

// Reads a payload without any tag. For the fuzzer and tests: never trust its result, since
// anyone can write a payload; verify() is the only way in from a request.
std::optional<Link> parse_payload(std::string_view bytes);

// The run id of a message id (everything before its first '.'); "" when it has none.
std::string run_id_of(std::string_view message_id);

// `url` with every byte outside '!'..'~' (spaces, non-ASCII UTF-8) percent-encoded, as a
// browser would send it; nullopt when it holds a control character (CR, LF, TAB, NUL...), which
// no link may carry into a Location header.
std::optional<std::string> printable_url(std::string_view url);

}  // namespace relance::tracking
