// Where a workspace's store is, as one URL: `sqlite:relance.db` (a path, relative to the working
// directory, or `sqlite:/var/lib/relance/relance.db`, or `sqlite::memory:`). A bare path with no
// scheme is a SQLite file too, so `--db relance.db` keeps working. `postgres://` and
// `postgresql://` are recognised and refused as not built yet (the PostgreSQL store comes with
// the scale-out work), so that a URL meant for it never becomes a SQLite file named "postgres:".
#pragma once

#include <memory>
#include <relance/store/store.hpp>
#include <string>
#include <string_view>

namespace relance::app {

struct StoreUrl {
    enum class Kind { sqlite, postgres };
    Kind kind = Kind::sqlite;
    std::string location;  // the SQLite path, or the PostgreSQL connection URL whole
};

// Throws app::Error (invalid, field "store") for an empty URL, an unknown scheme or an empty
// path.
StoreUrl parse_store_url(std::string_view text);

// The URL as a person reads it back: "sqlite:relance.db". Never holds a password: a PostgreSQL
// URL's user information is dropped.
std::string describe(const StoreUrl& url);

// Opens the store. Throws app::Error: unsupported for PostgreSQL today, failure when the file
// cannot be opened (with SQLite's reason).
std::unique_ptr<store::Store> open_store(const StoreUrl& url,
                                         const store::SqliteOptions& options = {});

}  // namespace relance::app
