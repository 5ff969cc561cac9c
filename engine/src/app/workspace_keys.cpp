// API keys: creation (the token shown once, its SHA-256 kept), listing, revocation, and the
// check every API request goes through.
//
// A token is "rl_" + 8 hex characters (its prefix, stored in clear to find the row and to tell
// keys apart in lists) + "_" + 64 hex characters of randomness. The row holds the SHA-256 of the
// whole token; the check hashes what it is given and compares the hashes in constant time.
#include <openssl/crypto.h>

#include <algorithm>
#include <relance/app/error.hpp>
#include <relance/app/workspace.hpp>
#include <relance/base/digest.hpp>
#include <relance/signatures/encoding.hpp>
#include <relance/signatures/hmac.hpp>
#include <relance/signatures/random.hpp>

#include "key_limits.hpp"

namespace relance::app {

namespace {

constexpr std::size_t kPrefixHex = 8;
constexpr std::size_t kSecretBytes = 32;
constexpr std::size_t kTokenBytes = 3 + kPrefixHex + 1 + 2 * kSecretBytes;
constexpr int kMaxRatePerMinute = 1'000'000;

std::string random_hex(std::size_t bytes) {
    std::string raw = signatures::random_bytes(bytes);
    std::string hex = signatures::hex_encode(raw);
    OPENSSL_cleanse(raw.data(), raw.size());
    return hex;
}

bool is_lower_hex(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// "rl_3f9a1c2b" of a well-formed token; "" when the token does not have the shape of one.
std::string prefix_of(std::string_view token) {
    if (token.size() != kTokenBytes || token.substr(0, 3) != "rl_" ||
        token[3 + kPrefixHex] != '_' || !is_lower_hex(token.substr(3, kPrefixHex)) ||
        !is_lower_hex(token.substr(4 + kPrefixHex)))
        return {};
    return std::string(token.substr(0, 3 + kPrefixHex));
}

ApiKey listed(const store::ApiKeyRow& row) {
    ApiKey k;
    k.id = row.id;
    k.name = row.name;
    k.prefix = row.prefix;
    k.scopes = row.scopes;
    k.rate_per_minute = row.rate_per_minute;
    k.created_at = row.created_at;
    k.revoked_at = row.revoked_at;
    return k;
}

bool holds(const std::vector<std::string>& scopes, const std::string& scope) {
    return std::find(scopes.begin(), scopes.end(), scope) != scopes.end() ||
           std::find(scopes.begin(), scopes.end(), "admin") != scopes.end();
}

}  // namespace

const std::vector<std::string>& api_scopes() {
    static const std::vector<std::string> kScopes = {
        "runs:read", "runs:write", "contacts:read", "contacts:write", "suppression:read",
        "suppression:write", "stats:read", "workflows:read", "workflows:write", "admin",
        "senders:read",
        // outbound webhooks: subscriptions, and the events feed
        "webhooks:read", "webhooks:write", "events:read"};
    return kScopes;
}

NewApiKey Workspace::create_key(const std::string& name, const std::vector<std::string>& scopes,
                                int rate_per_minute) {
    if (name.empty() || name.size() > 100)
        throw Error(ErrorKind::invalid, "a key needs a name of 1 to 100 characters", "name");
    if (scopes.empty()) throw Error(ErrorKind::invalid, "a key needs at least one scope", "scopes");
    const auto& known = api_scopes();
    for (const auto& s : scopes)
        if (std::find(known.begin(), known.end(), s) == known.end()) {
            std::string list;
            for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
            throw Error(ErrorKind::invalid, "unknown scope '" + s + "' (" + list + ")", "scopes");
        }
    if (rate_per_minute < 1 || rate_per_minute > kMaxRatePerMinute)
        throw Error(ErrorKind::invalid, "the rate must be 1 to 1000000 requests per minute",
                    "rate");
    NewApiKey out;
    out.token = "rl_" + random_hex(kPrefixHex / 2) + "_" + random_hex(kSecretBytes);
    store::ApiKeyRow row;
    row.id = "k_" + random_hex(6);
    row.name = name;
    row.prefix = prefix_of(out.token);
    row.hash = sha256_hex(out.token);
    row.scopes = scopes;
    row.rate_per_minute = rate_per_minute;
    row.created_at = to_unix_ms(clock_.now());
    store().put_api_key(row);
    out.key = listed(row);
    return out;
}

std::vector<ApiKey> Workspace::list_keys() {
    std::vector<ApiKey> out;
    for (const auto& row : store().list_api_keys()) out.push_back(listed(row));
    return out;
}

ApiKey Workspace::revoke_key(const std::string& id_or_prefix) {
    for (const auto& row : store().list_api_keys()) {
        if (row.id != id_or_prefix && row.prefix != id_or_prefix) continue;
        if (row.revoked_at || !store().revoke_api_key(row.id, to_unix_ms(clock_.now())))
            throw Error(ErrorKind::conflict, "key " + row.id + " is revoked already", "id");
        return listed(*store().api_key_by_prefix(row.prefix));
    }
    throw Error(ErrorKind::not_found, "no key " + id_or_prefix, "id");
}

ApiKey Workspace::authenticate(const std::string& token, const std::string& scope) {
    // One message for every way a token can be wrong: which part was wrong is not told.
    const Error refused(ErrorKind::unauthorized,
                        "a valid API key is needed: Authorization: Bearer <token>",
                        "authorization");
    std::string prefix = prefix_of(token);
    if (prefix.empty()) throw refused;
    auto row = store().api_key_by_prefix(prefix);
    std::string hash = sha256_hex(token);
    // Hash against hash, the same length always: the time taken says nothing of the token.
    bool same = row && signatures::constant_time_equal(row->hash, hash);
    if (!same || row->revoked_at) throw refused;
    if (!holds(row->scopes, scope))
        throw Error(ErrorKind::forbidden,
                    "key " + row->id + " (" + row->name + ") does not hold the scope " + scope,
                    "authorization");
    if (int wait = limits_->take(row->id, row->rate_per_minute, to_unix_ms(clock_.now())))
        throw Error::rate_limited("key " + row->id + " is over its " +
                                      std::to_string(row->rate_per_minute) + " requests per minute",
                                  wait);
    return listed(*row);
}

}  // namespace relance::app
