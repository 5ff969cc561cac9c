// Secrets sealed at rest: the seal itself (libsodium secretbox under the master key), where the
// key comes from, and the Workspace's stored secrets: what reaches the database file is never
// the value, and a value sealed under another key is refused, not misread.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <relance/app/error.hpp>
#include <relance/app/secret_seal.hpp>
#include <relance/app/workspace.hpp>
#include <relance/signatures/encoding.hpp>
#include <sstream>

#include "../support/process.hpp"

namespace relance::test {
namespace {

using app::ErrorKind;
using app::SecretSeal;

SecretSeal::Key key_of(unsigned char fill) {
    SecretSeal::Key k;
    k.fill(fill);
    return k;
}

ErrorKind refusal(const std::function<void()>& f) {
    try {
        f();
    } catch (const app::Error& e) {
        return e.kind();
    }
    ADD_FAILURE() << "no error";
    return ErrorKind::failure;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST(SecretSealTest, SealsAndOpensWithANewNonceEachTime) {
    SecretSeal seal(key_of(7));
    std::string a = seal.seal("SG.very-secret-api-key");
    std::string b = seal.seal("SG.very-secret-api-key");
    EXPECT_NE(a, b);  // a random nonce per seal
    EXPECT_EQ(a.find("very-secret"), std::string::npos);
    EXPECT_TRUE(SecretSeal::looks_sealed(a));
    EXPECT_EQ(seal.open(a), "SG.very-secret-api-key");
    EXPECT_EQ(seal.open(b), "SG.very-secret-api-key");
    EXPECT_EQ(seal.open(seal.seal(std::string("\0binary\xff", 8))), std::string("\0binary\xff", 8));
}

TEST(SecretSealTest, EveryDamagedByteAndAnotherKeyAreRefused) {
    SecretSeal seal(key_of(7));
    std::string sealed = seal.seal("whsec_abc");
    // Every byte of the nonce, the tag and the ciphertext changed: the tag no longer verifies;
    // never another plain value. (Changing a base64 character may leave the bytes as they were,
    // when it only changes padding bits, so the bytes are changed, then encoded again.)
    std::size_t dot = sealed.rfind('.');
    auto box = signatures::base64_decode(sealed.substr(dot + 1));
    ASSERT_TRUE(box);
    for (std::size_t i = 0; i < box->size(); ++i) {
        std::string bad = *box;
        bad[i] = static_cast<char>(bad[i] ^ 0x01);
        std::string text = sealed.substr(0, dot + 1) + signatures::base64_encode(bad);
        EXPECT_EQ(refusal([&] { seal.open(text); }), ErrorKind::failure) << i;
    }
    EXPECT_EQ(refusal([&] { seal.open(sealed.substr(0, dot + 1) + "!!!!"); }), ErrorKind::failure);
    EXPECT_EQ(refusal([&] { seal.open(sealed.substr(0, sealed.size() - 4)); }), ErrorKind::failure);
    EXPECT_EQ(refusal([&] { seal.open("whsec_abc"); }), ErrorKind::failure);
    SecretSeal other(key_of(8));
    try {
        other.open(sealed);
        ADD_FAILURE() << "opened under another key";
    } catch (const app::Error& e) {
        EXPECT_NE(std::string(e.what()).find("another master key"), std::string::npos) << e.what();
        EXPECT_EQ(std::string(e.what()).find("whsec"), std::string::npos);
    }
}

TEST(SecretSealTest, MasterKeysAreBase64OrHexOf32Bytes) {
    auto k = key_of(0x2a);
    std::string raw(reinterpret_cast<const char*>(k.data()), k.size());
    EXPECT_EQ(app::parse_master_key(signatures::base64_encode(raw) + "\n", "k"), k);
    EXPECT_EQ(app::parse_master_key(" " + signatures::hex_encode(raw), "k"), k);
    EXPECT_EQ(refusal([] { app::parse_master_key("c2hvcnQ=", "k"); }), ErrorKind::invalid);
    EXPECT_EQ(refusal([] { app::parse_master_key("", "k"); }), ErrorKind::invalid);
    EXPECT_EQ(refusal([] { app::parse_master_key(std::string(64, 'z'), "k"); }),
              ErrorKind::invalid);
}

TEST(SecretSealTest, AKeyFileIsCreatedOnceWithMode0600) {
    TempDir dir;
    std::string path = dir / "master.key";
    auto first = app::load_key_file(path, true);
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(app::load_key_file(path, true), first);  // read back, not replaced
    EXPECT_EQ(app::load_key_file(path, false), first);
    EXPECT_EQ(refusal([&] { app::load_key_file(dir / "absent.key", false); }), ErrorKind::failure);
}

class StoredSecretsTest : public ::testing::Test {
  protected:
    std::unique_ptr<app::Workspace> open(const std::string& key_file = "") {
        app::WorkspaceOptions o;
        o.store = "sqlite:" + db();
        o.master_key_file = key_file;
        return std::make_unique<app::Workspace>(std::move(o), clock);
    }
    std::string db() const { return dir / "secrets.db"; }

    TempDir dir;
    VirtualClock clock{from_unix_ms(1'767'603'600'000)};
};

TEST_F(StoredSecretsTest, TheDatabaseHoldsOnlyTheSealedValue) {
    const std::string value = "SG.plain-text-must-never-be-on-disk";
    {
        auto ws = open();
        auto entry = ws->set_secret("sendgrid", "api_key", value);
        EXPECT_EQ(entry.scope, "sendgrid");
        EXPECT_EQ(ws->find_secret("sendgrid", "api_key"), value);
        auto listed = ws->list_secrets();
        ASSERT_EQ(listed.size(), 1u);
        EXPECT_EQ(listed[0].name, "api_key");
    }
    // The default key file beside the database, made on first use.
    struct stat st {};
    ASSERT_EQ(::stat((db() + ".key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    std::string bytes = read_file(db()) + read_file(db() + "-wal");
    EXPECT_EQ(bytes.find("plain-text-must-never"), std::string::npos);
    EXPECT_NE(bytes.find("rls1."), std::string::npos);  // the sealed value is there

    // Another process (a new workspace) finds it with the same key file.
    auto again = open();
    EXPECT_EQ(again->find_secret("sendgrid", "api_key"), value);
    EXPECT_EQ(again->find_secret("sendgrid", "absent"), std::nullopt);
    again->delete_secret("sendgrid", "api_key");
    EXPECT_EQ(again->find_secret("sendgrid", "api_key"), std::nullopt);
    EXPECT_EQ(refusal([&] { again->delete_secret("sendgrid", "api_key"); }), ErrorKind::not_found);
}

TEST_F(StoredSecretsTest, AnotherMasterKeyIsRefusedNotMisread) {
    open()->set_secret("hook", "crm", "whsec_x");
    std::string other = dir / "other.key";
    app::load_key_file(other, true);
    auto ws = open(other);
    EXPECT_EQ(refusal([&] { ws->find_secret("hook", "crm"); }), ErrorKind::failure);
}

TEST_F(StoredSecretsTest, BadNamesAndValuesAreInvalidNamingTheField) {
    auto ws = open();
    auto field_of = [&](const std::string& scope, const std::string& name,
                        const std::string& value) {
        try {
            ws->set_secret(scope, name, value);
        } catch (const app::Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::invalid);
            return e.field();
        }
        return std::string("accepted");
    };
    EXPECT_EQ(field_of("", "k", "v"), "scope");
    EXPECT_EQ(field_of("send grid", "k", "v"), "scope");
    EXPECT_EQ(field_of("sendgrid", "a/b", "v"), "name");
    EXPECT_EQ(field_of("sendgrid", "k", ""), "value");
    EXPECT_EQ(field_of("sendgrid", "k", std::string(64 * 1024 + 1, 'x')), "value");
    EXPECT_TRUE(ws->list_secrets().empty());
}

}  // namespace
}  // namespace relance::test
