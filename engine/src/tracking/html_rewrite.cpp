#include <relance/tracking/html_rewrite.hpp>
#include <vector>

namespace relance::tracking {

namespace {

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// Whether `text` at `at` starts with `word` (lower case), in any case.
bool starts_with_ci(std::string_view text, std::size_t at, std::string_view word) {
    if (text.size() - at < word.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i)
        if (lower(text[at + i]) != word[i]) return false;
    return true;
}

// Where `word` (lower case) next starts at or after `from`, in any case; npos when nowhere.
// The words searched are a few bytes long, so this stays linear in the text.
std::size_t find_ci(std::string_view text, std::size_t from, std::string_view word) {
    for (std::size_t i = from; i + word.size() <= text.size(); ++i)
        if (lower(text[i]) == word[0] && starts_with_ci(text, i, word)) return i;
    return std::string_view::npos;
}

bool http_url(std::string_view url) {
    return starts_with_ci(url, 0, "http://") || starts_with_ci(url, 0, "https://");
}

void put_utf8(std::string& out, std::uint32_t cp) {
    if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) cp = 0xfffd;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

// One attribute of a tag: where its name and value are in the text.
struct Attribute {
    std::string_view name;
    std::size_t value_begin = 0, value_end = 0;  // the value without its quotes
    std::size_t begin = 0, end = 0;              // the whole `name=value`, quotes included
    bool has_value = false;
};

}  // namespace

std::string decode_references(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] != '&') {
            out += v[i];
            continue;
        }
        // A reference is short: only the next few bytes are searched for its ';' (which keeps
        // this linear however many '&' the value holds).
        std::size_t semi = v.substr(i + 1, 10).find(';');
        if (semi != std::string_view::npos) semi += i + 1;
        if (semi == std::string_view::npos) {
            out += '&';
            continue;
        }
        std::string_view name = v.substr(i + 1, semi - i - 1);
        std::string decoded;
        if (name == "amp") {
            decoded = "&";
        } else if (name == "lt") {
            decoded = "<";
        } else if (name == "gt") {
            decoded = ">";
        } else if (name == "quot") {
            decoded = "\"";
        } else if (name == "apos") {
            decoded = "'";
        } else if (name.size() >= 2 && name[0] == '#') {
            bool hex = name[1] == 'x' || name[1] == 'X';
            std::string_view digits = name.substr(hex ? 2 : 1);
            std::uint32_t cp = 0;
            bool ok = !digits.empty();
            for (char c : digits) {
                int d = c >= '0' && c <= '9'          ? c - '0'
                        : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                      : -1;
                if (d < 0 || cp > 0x10ffff) {
                    ok = false;
                    break;
                }
                cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
            }
            if (ok) put_utf8(decoded, cp);
        }
        if (decoded.empty()) {
            out += '&';
            continue;
        }
        out += decoded;
        i = semi;
    }
    return out;
}

std::string escape_attribute(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

Rewritten rewrite_html(std::string_view html, const RewriteOptions& options) {
    Rewritten r;
    std::string& out = r.html;
    out.reserve(html.size() + (options.pixel_url.empty() ? 0 : options.pixel_url.size() + 128));
    std::size_t body_close = std::string::npos;  // in `out`: where the last </body begins
    std::uint32_t index = 0;
    std::size_t i = 0;
    const std::size_t n = html.size();
    while (i < n) {
        std::size_t lt = html.find('<', i);
        if (lt == std::string_view::npos) {
            out.append(html.substr(i));
            break;
        }
        out.append(html.substr(i, lt - i));
        i = lt;
        // Comments (MSO conditionals included) and raw-text elements are copied as they are.
        if (starts_with_ci(html, i, "<!--")) {
            std::size_t end = html.find("-->", i + 4);
            std::size_t stop = end == std::string_view::npos ? n : end + 3;
            out.append(html.substr(i, stop - i));
            i = stop;
            continue;
        }
        for (std::string_view raw : {std::string_view("script"), std::string_view("style")}) {
            if (starts_with_ci(html, i + 1, raw) && i + 1 + raw.size() < n &&
                (space(html[i + 1 + raw.size()]) || html[i + 1 + raw.size()] == '>')) {
                std::size_t end =
                    find_ci(html, i + 1 + raw.size(), raw == "script" ? "</script" : "</style");
                std::size_t stop = end == std::string_view::npos ? n : end;
                out.append(html.substr(i, stop - i));
                i = stop;
                break;
            }
        }
        if (i != lt) continue;
        if (starts_with_ci(html, i, "</body") &&
            (i + 6 >= n || space(html[i + 6]) || html[i + 6] == '>'))
            body_close = out.size();
        bool anchor = i + 2 < n && lower(html[i + 1]) == 'a' &&
                      (space(html[i + 2]) || html[i + 2] == '>' || html[i + 2] == '/');
        if (!anchor) {
            out += '<';
            ++i;
            continue;
        }
        // An <a> tag: read its attributes up to the '>' that ends it (outside quotes).
        std::vector<Attribute> attributes;
        std::size_t p = i + 2;
        bool closed = false;
        while (p < n) {
            while (p < n && (space(html[p]) || html[p] == '/')) ++p;
            if (p >= n) break;
            if (html[p] == '>') {
                closed = true;
                break;
            }
            Attribute a;
            a.begin = p;
            std::size_t name_begin = p;
            while (p < n && !space(html[p]) && html[p] != '>' && html[p] != '=' && html[p] != '/')
                ++p;
            if (p == name_begin) ++p;  // a stray '=': skip it
            a.name = html.substr(name_begin, p - name_begin);
            std::size_t q = p;
            while (q < n && space(html[q])) ++q;
            if (q < n && html[q] == '=') {
                ++q;
                while (q < n && space(html[q])) ++q;
                a.has_value = true;
                if (q < n && (html[q] == '"' || html[q] == '\'')) {
                    char quote = html[q];
                    std::size_t close = html.find(quote, q + 1);
                    if (close == std::string_view::npos) {
                        p = n;  // an open quote to the end: the tag never closes
                        break;
                    }
                    a.value_begin = q + 1;
                    a.value_end = close;
                    p = close + 1;
                } else {
                    a.value_begin = q;
                    while (q < n && !space(html[q]) && html[q] != '>') ++q;
                    a.value_end = q;
                    p = q;
                }
            }
            a.end = p;
            attributes.push_back(a);
        }
        if (!closed) {
            // A tag that never ends: the rest is copied as it is (never scanned again).
            out.append(html.substr(i));
            i = n;
            break;
        }
        std::size_t tag_end = p + 1;  // after '>'
        const Attribute* href = nullptr;
        bool notrack = false;
        for (const auto& a : attributes) {
            std::string name;
            for (char c : a.name) name += lower(c);
            if (name == "href" && !href && a.has_value) href = &a;
            if (name == "data-relance-notrack") notrack = true;
        }
        std::string tracked;
        if (href && !notrack && options.link && index < options.max_links) {
            std::string url = decode_references(
                html.substr(href->value_begin, href->value_end - href->value_begin));
            // Leading and trailing spaces are not part of a URL (browsers strip them).
            std::size_t b = 0, e = url.size();
            while (b < e && space(url[b])) ++b;
            while (e > b && space(url[e - 1])) --e;
            url = url.substr(b, e - b);
            bool own = !options.own_prefix.empty() && url.rfind(options.own_prefix, 0) == 0;
            if (http_url(url) && !own) {
                tracked = options.link(index, url);
                ++index;  // the index counts the links offered, tracked or not
            }
        }
        if (tracked.empty()) {
            out.append(html.substr(i, tag_end - i));
        } else {
            out.append(html.substr(i, href->begin - i));
            out += "href=\"";
            out += escape_attribute(tracked);
            out += '"';
            out.append(html.substr(href->end, tag_end - href->end));
            ++r.links;
        }
        i = tag_end;
    }
    if (!options.pixel_url.empty()) {
        std::string img = "<img src=\"" + escape_attribute(options.pixel_url) +
                          "\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;border:0;"
                          "width:1px;height:1px\">";
        if (body_close == std::string::npos)
            out += img;
        else
            out.insert(body_close, img);
        r.pixel = true;
    }
    return r;
}

}  // namespace relance::tracking
