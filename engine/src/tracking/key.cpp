#include <cstdlib>
#include <relance/signatures/encoding.hpp>
#include <relance/signatures/random.hpp>
#include <relance/store/store.hpp>
#include <relance/tracking/key.hpp>
#include <relance/tracking/token.hpp>
#include <stdexcept>

namespace relance::tracking {

std::string load_key(store::Store& store, std::int64_t now, const KeySealing& sealing) {
    if (const char* text = std::getenv(kKeyVariable); text && *text) {
        auto key = signatures::base64_decode(text);
        if (!key || key->size() != kKeyBytes)
            throw std::runtime_error(std::string(kKeyVariable) +
                                     " must be the base64 of 32 random bytes (e.g. the output of "
                                     "`openssl rand -base64 32`)");
        return *key;
    }
    if (!sealing.seal || !sealing.open) {
        std::string stored = store.tracking_key(signatures::random_bytes(kKeyBytes), now);
        if (stored.size() != kKeyBytes)
            throw std::runtime_error(
                "the tracking key in the store is sealed: only a workspace with its master key "
                "can read it");
        return stored;
    }
    std::string fresh = signatures::random_bytes(kKeyBytes);
    std::string stored = store.tracking_key(sealing.seal(fresh), now);
    if (stored.size() == kKeyBytes) {  // kept unsealed by an older relance: sealed now
        store.reseal_tracking_key(stored, sealing.seal(stored));
        return stored;
    }
    std::string key = sealing.open(stored);
    if (key.size() != kKeyBytes)
        throw std::runtime_error("the tracking key in the store is not 32 bytes long");
    return key;
}

}  // namespace relance::tracking
