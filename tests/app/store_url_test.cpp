// Store URLs: what each form opens, and what is refused with an error naming the field.
#include <gtest/gtest.h>

#include <relance/app/error.hpp>
#include <relance/app/store_url.hpp>

namespace relance::test {
namespace {

using app::ErrorKind;
using app::StoreUrl;

TEST(StoreUrl, SqliteFormsAndBarePathsNameOneFile) {
    struct Case {
        const char* text;
        const char* location;
    };
    for (const Case& c :
         {Case{"relance.db", "relance.db"}, Case{"sqlite:relance.db", "relance.db"},
          Case{"SQLite:/var/lib/relance/r.db", "/var/lib/relance/r.db"},
          Case{"sqlite:///var/lib/r.db", "/var/lib/r.db"}, Case{"sqlite::memory:", ":memory:"},
          Case{"./a:b.db", "./a:b.db"}, Case{"/tmp/x:y.db", "/tmp/x:y.db"}}) {
        StoreUrl url = app::parse_store_url(c.text);
        EXPECT_EQ(url.kind, StoreUrl::Kind::sqlite) << c.text;
        EXPECT_EQ(url.location, c.location) << c.text;
    }
    EXPECT_EQ(app::describe(app::parse_store_url("relance.db")), "sqlite:relance.db");
}

TEST(StoreUrl, UnknownSchemesAndEmptyPathsAreInvalid) {
    for (const char* text : {"", "mysql://h/db", "sqlite:", "sqlite://", "a:b.db"}) {
        try {
            app::parse_store_url(text);
            ADD_FAILURE() << "'" << text << "' parsed";
        } catch (const app::Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::invalid) << text;
            EXPECT_EQ(e.field(), "store") << text;
        }
    }
}

// A PostgreSQL URL is understood and refused as not built yet: it never becomes a SQLite file,
// and the refusal does not repeat its password.
TEST(StoreUrl, PostgresIsRecognisedAndRefusedWithoutItsPassword) {
    StoreUrl url = app::parse_store_url("postgres://relance:s3cret@127.0.0.1:5432/relance");
    EXPECT_EQ(url.kind, StoreUrl::Kind::postgres);
    EXPECT_EQ(app::describe(url), "postgres://127.0.0.1:5432/relance");
    try {
        app::open_store(url);
        ADD_FAILURE() << "a PostgreSQL store opened";
    } catch (const app::Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::unsupported);
        EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
    }
    EXPECT_EQ(app::parse_store_url("postgresql://h/db").kind, StoreUrl::Kind::postgres);
}

}  // namespace
}  // namespace relance::test
