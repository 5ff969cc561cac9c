// Secrets sealed at rest: the master key, storing, listing and finding secrets.
#include <cstdlib>
#include <relance/app/error.hpp>
#include <relance/app/workspace.hpp>

#include "secret_cache.hpp"

namespace relance::app {

namespace {

constexpr std::size_t kMaxSecretBytes = 64 * 1024;

bool valid_word(const std::string& text, std::size_t max, bool dots) {
    if (text.empty() || text.size() > max) return false;
    for (char c : text) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || (dots && c == '.');
        if (!ok) return false;
    }
    return true;
}

void check_names(const std::string& scope, const std::string& name) {
    if (!valid_word(scope, 64, false))
        throw Error(ErrorKind::invalid,
                    "a secret's scope is a plugin's name or \"hook\": 1 to 64 letters, digits, "
                    "'_' or '-'",
                    "scope");
    if (!valid_word(name, 128, true))
        throw Error(ErrorKind::invalid,
                    "a secret's name is 1 to 128 letters, digits, '_', '-' or '.'", "name");
}

}  // namespace

const SecretSeal& Workspace::secret_seal() {
    std::lock_guard g(seal_m_);
    if (seal_) return *seal_;
    SecretSeal::Key key;
    if (!options_.master_key_file.empty()) {
        key = load_key_file(options_.master_key_file, false);
    } else if (const char* env = std::getenv("RELANCE_MASTER_KEY"); env && *env) {
        key = parse_master_key(env, "RELANCE_MASTER_KEY");
    } else if (url_.kind == StoreUrl::Kind::sqlite && url_.location != ":memory:" &&
               !url_.location.empty()) {
        key = load_key_file(url_.location + ".key", true);
    } else {
        // A private database lives as long as this process: so may its key.
        key = SecretSeal::random_key();
    }
    seal_ = std::make_unique<SecretSeal>(key);
    return *seal_;
}

SecretEntry Workspace::set_secret(const std::string& scope, const std::string& name,
                                  const std::string& value) {
    check_names(scope, name);
    if (value.empty() || value.size() > kMaxSecretBytes)
        throw Error(ErrorKind::invalid, "a secret's value is 1 byte to 64 KiB", "value");
    store::Store::StoredSecret stored;
    stored.scope = scope;
    stored.name = name;
    stored.sealed = secret_seal().seal(value);
    stored.updated_at = to_unix_ms(clock_.now());
    store().put_secret(stored);
    {
        std::lock_guard g(secret_cache_->m);
        secret_cache_->entries.erase({scope, name});
    }
    return {scope, name, stored.updated_at};
}

std::vector<SecretEntry> Workspace::list_secrets() {
    std::vector<SecretEntry> out;
    for (const auto& s : store().list_secrets()) out.push_back({s.scope, s.name, s.updated_at});
    return out;
}

void Workspace::delete_secret(const std::string& scope, const std::string& name) {
    check_names(scope, name);
    if (!store().delete_secret(scope, name))
        throw Error(ErrorKind::not_found, "no secret " + scope + "/" + name + " is stored", "name");
    std::lock_guard g(secret_cache_->m);
    secret_cache_->entries.erase({scope, name});
}

std::optional<std::string> Workspace::find_secret(const std::string& scope,
                                                  const std::string& name) {
    return find_secret_in(store(), scope, name);
}

std::optional<std::string> Workspace::find_secret_in(store::Store& store, const std::string& scope,
                                                     const std::string& name) {
    if (options_.plugins.secrets)
        if (auto value = options_.plugins.secrets(scope, name)) return value;
    std::int64_t now = to_unix_ms(clock_.now());
    auto key = std::make_pair(scope, name);
    {
        std::lock_guard g(secret_cache_->m);
        auto it = secret_cache_->entries.find(key);
        if (it != secret_cache_->entries.end() &&
            now - it->second.read_at < SecretCache::kFreshMs && now >= it->second.read_at)
            return it->second.value;
    }
    std::optional<std::string> value;
    if (auto stored = store.get_secret(scope, name)) value = secret_seal().open(stored->sealed);
    std::lock_guard g(secret_cache_->m);
    secret_cache_->entries[key] = {value, now};
    return value;
}

}  // namespace relance::app
