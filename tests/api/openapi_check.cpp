#include "openapi_check.hpp"

#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <relance/schema/json_schema.hpp>
#include <sstream>

namespace relance::test {

namespace {

using json = nlohmann::json;

struct Document {
    json doc;
    json definitions = json::object();  // components.schemas, for `#/definitions/...` refs
    std::map<std::string, std::shared_ptr<schema::JsonSchema>> compiled;  // by JSON pointer
};

std::mutex g_m;
int g_checked = 0;

// `#/components/schemas/X` -> `#/definitions/X`, everywhere below `value`.
void rewrite_refs(json& value) {
    if (value.is_object()) {
        if (auto it = value.find("$ref"); it != value.end() && it->is_string()) {
            std::string ref = *it;
            const std::string from = "#/components/schemas/";
            if (ref.rfind(from, 0) == 0) *it = "#/definitions/" + ref.substr(from.size());
        }
        for (auto& [k, v] : value.items()) rewrite_refs(v);
    } else if (value.is_array()) {
        for (auto& v : value) rewrite_refs(v);
    }
}

Document& document() {
    static Document d = [] {
        Document out;
        std::ifstream in(std::string(RELANCE_SOURCE_DIR) + "/docs/openapi.json");
        std::stringstream text;
        text << in.rdbuf();
        out.doc = json::parse(text.str(), nullptr, false);
        if (out.doc.is_object() && out.doc.contains("components") &&
            out.doc["components"].contains("schemas")) {
            out.definitions = out.doc["components"]["schemas"];
            rewrite_refs(out.definitions);
        }
        return out;
    }();
    return d;
}

std::vector<std::string> split(const std::string& path) {
    std::vector<std::string> out;
    std::size_t start = 1;
    while (start <= path.size()) {
        auto end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        out.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

// The documented path template a request path matches: the one with the most literal segments.
std::optional<std::string> match_path(const json& paths, const std::string& path) {
    auto segments = split(path);
    std::optional<std::string> best;
    int best_literals = -1;
    for (auto& [tmpl, item] : paths.items()) {
        auto parts = split(tmpl);
        if (parts.size() != segments.size()) continue;
        int literals = 0;
        bool ok = true;
        for (std::size_t i = 0; i < parts.size() && ok; ++i) {
            bool param = parts[i].size() > 2 && parts[i].front() == '{' && parts[i].back() == '}';
            if (param)
                ok = !segments[i].empty();
            else if (parts[i] == segments[i])
                ++literals;
            else
                ok = false;
        }
        if (ok && literals > best_literals) {
            best = tmpl;
            best_literals = literals;
        }
    }
    return best;
}

std::string escape_pointer(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

// A response object, following a `$ref` to components.responses.
const json* resolve_response(const json& doc, const json& response) {
    if (response.contains("$ref")) {
        std::string ref = response["$ref"];
        const std::string from = "#/components/responses/";
        if (ref.rfind(from, 0) != 0) return nullptr;
        const json& responses = doc["components"]["responses"];
        auto it = responses.find(ref.substr(from.size()));
        return it == responses.end() ? nullptr : &*it;
    }
    return &response;
}

}  // namespace

int openapi_checked_count() {
    std::lock_guard g(g_m);
    return g_checked;
}

std::vector<std::string> openapi_problems(const httplib::Request& request,
                                          const httplib::Response& response) {
    std::lock_guard g(g_m);
    ++g_checked;
    Document& d = document();
    if (!d.doc.is_object()) return {"docs/openapi.json does not parse"};
    std::string path = request.path;
    if (auto q = path.find('?'); q != std::string::npos) path.resize(q);
    std::string method = request.method;
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (method == "head") method = "get";
    std::string where = request.method + " " + path + " -> " + std::to_string(response.status);

    std::string content_type = response.get_header_value("Content-Type");
    if (auto semi = content_type.find(';'); semi != std::string::npos) content_type.resize(semi);

    auto tmpl = match_path(d.doc["paths"], path);
    const json* operation = nullptr;
    if (tmpl) {
        const json& item = d.doc["paths"][*tmpl];
        if (item.contains(method)) operation = &item[method];
    }
    std::string pointer_base;
    const json* responses = nullptr;
    if (operation) {
        responses = &(*operation)["responses"];
        pointer_base = "/paths/" + escape_pointer(*tmpl) + "/" + method + "/responses/";
    } else {
        // No documented operation: the server answers 404 or 405 as a problem, which the
        // document's shared Problem response describes.
        if ((response.status == 404 || response.status == 405) &&
            content_type == "application/problem+json")
            responses = nullptr;
        else
            return {where + ": the operation is not in docs/openapi.json"};
    }

    const json* resp = nullptr;
    if (responses) {
        std::string status = std::to_string(response.status);
        std::string range = status.substr(0, 1) + "XX";
        if (responses->contains(status))
            resp = resolve_response(d.doc, (*responses)[status]);
        else if (responses->contains(range))
            resp = resolve_response(d.doc, (*responses)[range]);
        else if (responses->contains("default"))
            resp = resolve_response(d.doc, (*responses)["default"]);
        if (!resp) return {where + ": the status is not documented for this operation"};
    } else {
        resp = resolve_response(d.doc, json{{"$ref", "#/components/responses/Problem"}});
        if (!resp) return {where + ": components.responses.Problem is missing"};
    }

    if (!resp->contains("content")) {
        if (!response.body.empty() && request.method != "HEAD")
            return {where + ": documented without a body, but the response has one (" +
                    content_type + ")"};
        return {};
    }
    const json& content = (*resp)["content"];
    if (!content.contains(content_type))
        return {where + ": the media type " + content_type +
                " is not documented (documented: " + content.dump() + ")"};
    const json& media = content[content_type];
    if (!media.contains("schema") || request.method == "HEAD") return {};
    if (content_type != "application/json" && content_type != "application/problem+json") return {};
    json body = json::parse(response.body, nullptr, false);
    if (body.is_discarded()) return {where + ": the body is not JSON"};

    std::string key = operation ? pointer_base + escape_pointer(std::to_string(response.status)) +
                                      "/" + escape_pointer(content_type)
                                : "problem";
    auto& compiled = d.compiled[key];
    if (!compiled) {
        json s = media["schema"];
        rewrite_refs(s);
        json root = {{"allOf", json::array({s})}, {"definitions", d.definitions}};
        try {
            compiled = std::make_shared<schema::JsonSchema>(schema::JsonSchema::compile(root));
        } catch (const std::exception& e) {
            return {where + ": its documented schema does not compile: " + e.what()};
        }
    }
    std::vector<std::string> out;
    for (auto& p : compiled->check(body, "body")) out.push_back(where + ": " + p);
    return out;
}

}  // namespace relance::test
