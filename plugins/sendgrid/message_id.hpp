// The Message-ID header the plugin gives each email, <rl.ENGINE_MESSAGE_ID@SENDER_DOMAIN>, and
// reading the engine message id back out of one: a reply names the message it answers in
// In-Reply-To and References, which is how Inbound Parse finds the run a reply belongs to.
#pragma once

#include <string>
#include <string_view>

namespace relance::plugins::sendgrid {

namespace message_id_detail {
inline bool local_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}
inline bool domain_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
}
// A dot-atom: allowed characters, no dot first, last or twice in a row.
inline bool dot_atom(std::string_view s, bool (*allowed)(char)) {
    if (s.empty() || s.front() == '.' || s.back() == '.') return false;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (!allowed(s[i]) || (s[i] == '.' && i > 0 && s[i - 1] == '.')) return false;
    return true;
}
constexpr std::string_view kPrefix = "rl.";
}  // namespace message_id_detail

// "<rl.r_9f2c.intro.3@acme.test>" for engine message id "r_9f2c.intro.3" sent from
// sam@acme.test; "" when the id cannot be written in a Message-ID (the plugin then sets none).
inline std::string message_id_header(std::string_view engine_message_id, std::string_view from) {
    using namespace message_id_detail;
    std::string local = std::string(kPrefix) + std::string(engine_message_id);
    if (engine_message_id.empty() || local.size() > 200 || !dot_atom(local, local_char)) return "";
    std::string_view domain;
    if (auto at = from.rfind('@'); at != std::string_view::npos) domain = from.substr(at + 1);
    if (domain.size() > 253 || !dot_atom(domain, domain_char)) domain = "relance.invalid";
    return "<" + local + "@" + std::string(domain) + ">";
}

// The engine message id inside one of our Message-IDs ("<rl.X@domain>" or "rl.X@domain"), ""
// for any other id.
inline std::string engine_message_id_of(std::string_view id) {
    using namespace message_id_detail;
    if (!id.empty() && id.front() == '<') id.remove_prefix(1);
    if (!id.empty() && id.back() == '>') id.remove_suffix(1);
    auto at = id.rfind('@');
    if (at == std::string_view::npos) return "";
    std::string_view local = id.substr(0, at);
    if (local.substr(0, kPrefix.size()) != kPrefix || !dot_atom(local, local_char)) return "";
    local.remove_prefix(kPrefix.size());
    if (local.empty() || local.front() == '.') return "";
    return std::string(local);
}

}  // namespace relance::plugins::sendgrid
