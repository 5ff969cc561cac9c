#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <relance/base/json_value.hpp>
#include <string>
#include <utility>

namespace relance {
namespace {

using json = nlohmann::json;

// Takes the value as the engine's functions do: a JsonValue must convert to it.
std::string dump(const json& value) {
    return value.dump();
}

TEST(JsonValue, DefaultIsNullAndObjectAndArrayAreEmpty) {
    const JsonValue none;
    EXPECT_TRUE(none->is_null());
    EXPECT_EQ(*JsonValue::object(), json::object());
    EXPECT_EQ(*JsonValue::array(), json::array());
}

TEST(JsonValue, CopiesAreIndependent) {
    JsonValue a = json{{"x", 1}};
    JsonValue b = a;
    (*b)["x"] = 2;
    EXPECT_EQ((*a)["x"], 1);
    EXPECT_EQ((*b)["x"], 2);
    JsonValue c;
    c = b;
    (*b)["y"] = true;
    EXPECT_EQ(*c, (json{{"x", 2}}));
    c = JsonValue();  // copying a null one gives null
    EXPECT_TRUE(c->is_null());
}

TEST(JsonValue, MovedFromReadsAsNull) {
    JsonValue a = json{{"x", 1}};
    JsonValue b = std::move(a);
    EXPECT_EQ(*b, (json{{"x", 1}}));
    const JsonValue& moved = a;  // NOLINT(bugprone-use-after-move): what this test is about
    EXPECT_TRUE(moved->is_null());
    EXPECT_TRUE((*moved).is_null());
    EXPECT_EQ(dump(moved), "null");
    JsonValue c;
    c = std::move(b);
    EXPECT_TRUE(std::as_const(b)->is_null());
    // Non-const access gives a moved-from value storage of its own again.
    (*b)["z"] = 3;
    EXPECT_EQ(*b, (json{{"z", 3}}));
    EXPECT_EQ(*c, (json{{"x", 1}}));
}

TEST(JsonValue, ConvertsFromAndToJson) {
    json source = {{"name", "ana"}, {"tags", {1, 2}}};
    JsonValue v = source;  // implicit, by copy
    EXPECT_EQ(dump(v), source.dump());
    const json& view = v;  // implicit, without a copy
    EXPECT_EQ(&view, &*v);
    v = json::array();  // assigning a json
    EXPECT_TRUE(v->is_array());
    json moved = source;
    v = std::move(moved);
    EXPECT_EQ(*v, source);
    JsonValue taken = json("text");  // from a temporary, by move
    EXPECT_EQ(*taken, "text");
    json back = *taken;
    EXPECT_EQ(back, "text");
}

TEST(JsonValue, NullptrIsNullAndZeroIsANumber) {
    JsonValue v = json{{"x", 1}};
    v = nullptr;
    EXPECT_TRUE(v->is_null());
    JsonValue none = nullptr;
    EXPECT_TRUE(none->is_null());
    v = 0;  // a number, as for nlohmann::json, not a null pointer
    EXPECT_TRUE(v->is_number_integer());
    EXPECT_EQ(*v, 0);
}

}  // namespace
}  // namespace relance
