#include <gtest/gtest.h>

#include <relance/base/digest.hpp>

namespace relance {
namespace {

TEST(Digest, Sha256MatchesTheStandardVector) {
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256_hex("abc", 16), "ba7816bf8f01cfea");
}

// Variants, jitter and scenario draws are bucketed with this hash: a change of algorithm would
// make replays and re-simulations draw differently. These values are frozen.
TEST(Digest, StableHashIsFrozen) {
    EXPECT_EQ(stable_hash(""), 14695981039346656037ull);
    EXPECT_EQ(stable_hash("a"), 0xaf63dc4c8601ec8cull);
    EXPECT_EQ(stable_hash("foobar"), 0x85944171f73967e8ull);
    static_assert(stable_hash("a") == 0xaf63dc4c8601ec8cull);
}

}  // namespace
}  // namespace relance
