#include <relance/app/error.hpp>
#include <relance/app/store_url.hpp>

namespace relance::app {

namespace {

// RFC 3986 scheme: a letter, then letters, digits, '+', '-' or '.'. Anything else before the
// first ':' (a '/', a '.') makes the text a plain path: "./a:b.db" is a file.
std::string_view scheme_of(std::string_view text) {
    auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0) return {};
    auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    if (!letter(text[0])) return {};
    for (std::size_t i = 1; i < colon; ++i) {
        char c = text[i];
        if (!(letter(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) return {};
    }
    return text.substr(0, colon);
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

}  // namespace

StoreUrl parse_store_url(std::string_view text) {
    if (text.empty()) throw Error(ErrorKind::invalid, "the store URL is empty", "store");
    std::string scheme = lower(scheme_of(text));
    StoreUrl url;
    if (scheme.empty()) {  // a bare path
        url.location = std::string(text);
        return url;
    }
    if (scheme == "sqlite") {
        std::string_view rest = text.substr(scheme.size() + 1);
        // sqlite:///abs/path and sqlite://rel are the forms some tools write: one path either way.
        if (rest.rfind("//", 0) == 0) rest.remove_prefix(2);
        if (rest.empty())
            throw Error(ErrorKind::invalid, "the store URL 'sqlite:' names no file", "store");
        url.location = std::string(rest);
        return url;
    }
    if (scheme == "postgres" || scheme == "postgresql") {
        url.kind = StoreUrl::Kind::postgres;
        url.location = std::string(text);
        return url;
    }
    throw Error(ErrorKind::invalid,
                "unknown store scheme '" + std::string(scheme_of(text)) +
                    ":' (expected sqlite:PATH, or a plain path)",
                "store");
}

std::string describe(const StoreUrl& url) {
    if (url.kind == StoreUrl::Kind::sqlite) return "sqlite:" + url.location;
    // postgres://user:password@host/db -> postgres://host/db
    std::string text = url.location;
    auto start = text.find("://");
    if (start != std::string::npos) {
        auto at = text.find('@', start + 3);
        auto slash = text.find('/', start + 3);
        if (at != std::string::npos && (slash == std::string::npos || at < slash))
            text.erase(start + 3, at + 1 - (start + 3));
    }
    return text;
}

std::unique_ptr<store::Store> open_store(const StoreUrl& url, const store::SqliteOptions& options) {
    if (url.kind == StoreUrl::Kind::postgres)
        throw Error(
            ErrorKind::unsupported,
            "this build has no PostgreSQL store yet (" + describe(url) + "); use sqlite:PATH",
            "store");
    return store::open_sqlite(url.location, options);
}

}  // namespace relance::app
