#include <nlohmann/json.hpp>
#include <relance/base/json_value.hpp>

namespace relance {

namespace {

const nlohmann::json& null_json() {
    static const nlohmann::json null;
    return null;
}

}  // namespace

JsonValue::JsonValue() noexcept = default;

JsonValue::JsonValue(const nlohmann::json& v) : value_(std::make_unique<nlohmann::json>(v)) {}

JsonValue::JsonValue(nlohmann::json&& v) : value_(std::make_unique<nlohmann::json>(std::move(v))) {}

JsonValue::JsonValue(const JsonValue& other)
    : value_(other.value_ ? std::make_unique<nlohmann::json>(*other.value_) : nullptr) {}

JsonValue::JsonValue(JsonValue&& other) noexcept = default;

JsonValue& JsonValue::operator=(const JsonValue& other) {
    if (this == &other) return *this;
    if (other.value_) return *this = *other.value_;
    return set_null();
}

JsonValue& JsonValue::operator=(JsonValue&& other) noexcept = default;

JsonValue& JsonValue::operator=(const nlohmann::json& v) {
    if (value_)
        *value_ = v;
    else
        value_ = std::make_unique<nlohmann::json>(v);
    return *this;
}

JsonValue& JsonValue::operator=(nlohmann::json&& v) {
    if (value_)
        *value_ = std::move(v);
    else
        value_ = std::make_unique<nlohmann::json>(std::move(v));
    return *this;
}

JsonValue& JsonValue::set_null() noexcept {
    if (value_) *value_ = nullptr;
    return *this;
}

JsonValue::~JsonValue() = default;

nlohmann::json& JsonValue::operator*() {
    if (!value_) value_ = std::make_unique<nlohmann::json>();
    return *value_;
}

const nlohmann::json& JsonValue::operator*() const {
    return value_ ? *value_ : null_json();
}

JsonValue JsonValue::object() {
    return JsonValue(nlohmann::json::object());
}

JsonValue JsonValue::array() {
    return JsonValue(nlohmann::json::array());
}

}  // namespace relance
