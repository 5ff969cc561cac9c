// GET /t/o/{token} (open pixel), GET /t/c/{token} (click redirect), GET and POST /t/u/{token}
// (RFC 8058 one-click unsubscribe and its confirmation page). No API key: the signed token is
// the credential (docs/tracking.md). A token that does not verify is a 404 problem and records
// nothing; a click redirects only to the destination its token signs.
#include <relance/app/error.hpp>
#include <relance/app/workspace.hpp>
#include <string_view>

#include "routes.hpp"

namespace relance::api::detail {

namespace {

// A transparent 1x1 GIF (GIF89a, one palette entry, transparency extension).
constexpr unsigned char kPixel[] = {
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,
    0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};

constexpr const char* kHtml = "text/html; charset=utf-8";

std::string page(const std::string& title, const std::string& body) {
    return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
           "<meta name=\"robots\" content=\"noindex\"><title>" +
           title +
           "</title></head>\n<body style=\"font-family:sans-serif;max-width:32em;margin:3em "
           "auto;padding:0 1em\">\n<h1>" +
           title + "</h1>\n" + body + "\n</body></html>\n";
}

app::TrackingHit hit_of(const Call& call) {
    app::TrackingHit hit;
    hit.token = call.params.at(0);
    hit.user_agent = call.request.get_header_value("User-Agent");
    hit.peer = call.request.remote_addr;
    hit.forwarded_for = call.request.get_header_value("X-Forwarded-For");
    // A HEAD is a checker's, never a person's: answered, not recorded.
    hit.record = call.request.method != "HEAD";
    return hit;
}

Reply pixel(Call& call) {
    app::TrackOutcome outcome = call.workspace.track_open(hit_of(call));
    if (outcome.runs_changed()) call.work_added();
    Reply reply;
    reply.status = 200;
    reply.text.assign(reinterpret_cast<const char*>(kPixel), sizeof kPixel);
    reply.content_type = "image/gif";
    // Every answer carries Cache-Control: no-store (server.cpp): a cached pixel counts no open.
    return reply;
}

Reply click(Call& call) {
    app::TrackOutcome outcome = call.workspace.track_click(hit_of(call));
    if (outcome.runs_changed()) call.work_added();
    Reply reply;
    reply.status = 302;
    reply.text = "";
    reply.content_type = "text/plain; charset=utf-8";
    reply.headers.emplace_back("Location", outcome.url);
    // The destination must not learn the token (it would be in its Referer).
    reply.headers.emplace_back("Referrer-Policy", "no-referrer");
    return reply;
}

Reply confirm_page(Call& call) {
    app::UnsubscribePage state = call.workspace.unsubscribe_page(call.params.at(0));
    Reply reply;
    reply.status = 200;
    reply.content_type = kHtml;
    reply.headers.emplace_back("Referrer-Policy", "no-referrer");
    // A GET never unsubscribes: link scanners and previews follow GETs. The button posts what
    // a mail client's one-click POST carries.
    reply.text = state.suppressed
                     ? page("You are unsubscribed",
                            "<p>This address will receive no more of these emails.</p>")
                     : page("Unsubscribe",
                            "<p>Stop receiving these emails?</p>\n"
                            "<form method=\"post\" action=\"\">"
                            "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
                            "<button type=\"submit\">Unsubscribe</button></form>");
    return reply;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Whether a form-encoded body holds List-Unsubscribe=One-Click (RFC 8058 section 3.1). The
// name and value hold no character that needs decoding, so the pairs are compared as sent.
bool urlencoded_one_click(std::string_view body) {
    while (!body.empty()) {
        std::size_t amp = body.find('&');
        std::string_view pair = body.substr(0, amp);
        while (!pair.empty() && (pair.back() == '\r' || pair.back() == '\n')) pair.remove_suffix(1);
        if (pair == "List-Unsubscribe=One-Click") return true;
        if (amp == std::string_view::npos) break;
        body.remove_prefix(amp + 1);
    }
    return false;
}

// The same in a multipart/form-data body: a part named List-Unsubscribe whose value is
// One-Click (some mail clients post this form).
bool multipart_one_click(std::string_view body) {
    std::size_t name = body.find("name=\"List-Unsubscribe\"");
    if (name == std::string_view::npos) return false;
    std::size_t blank = body.find("\r\n\r\n", name);
    if (blank == std::string_view::npos) return false;
    return body.substr(blank + 4, 9) == "One-Click";
}

Reply unsubscribe(Call& call) {
    std::string type = lower(call.request.get_header_value("Content-Type"));
    type = type.substr(0, type.find(';'));
    while (!type.empty() && type.back() == ' ') type.pop_back();
    bool one_click = false;
    if (type == "application/x-www-form-urlencoded")
        one_click = urlencoded_one_click(call.raw_body);
    else if (type == "multipart/form-data")
        one_click = multipart_one_click(call.raw_body);
    else
        throw app::Error(app::ErrorKind::unsupported_media,
                         "a one-click unsubscribe is a form post "
                         "(application/x-www-form-urlencoded or multipart/form-data)",
                         "Content-Type");
    if (!one_click)
        throw app::Error(app::ErrorKind::invalid,
                         "the body must hold List-Unsubscribe=One-Click (RFC 8058)",
                         "List-Unsubscribe");
    runtime::EventOutcome outcome = call.workspace.unsubscribe_by_token(call.params.at(0));
    if (!outcome.stopped.empty() || !outcome.woken.empty()) call.work_added();
    Reply reply;
    reply.status = 200;
    reply.content_type = kHtml;
    reply.headers.emplace_back("Referrer-Policy", "no-referrer");
    reply.text =
        page("You are unsubscribed", "<p>This address will receive no more of these emails.</p>");
    return reply;
}

Route route(const char* method, const char* pattern, BodyKind body,
            std::function<Reply(Call&)> handler) {
    Route r;
    r.method = method;
    r.pattern = pattern;
    r.body = body;
    // Mail clients and proxies add their own parameters; a link keeps working whatever follows.
    r.any_query = true;
    // The token is the credential: the access log shows the route, never it.
    r.mask_params_in_log = true;
    r.handler = std::move(handler);
    return r;
}

}  // namespace

void add_tracking_routes(Router& router) {
    router.add(route("GET", "/t/o/{token}", BodyKind::none, pixel));
    router.add(route("GET", "/t/c/{token}", BodyKind::none, click));
    router.add(route("GET", "/t/u/{token}", BodyKind::none, confirm_page));
    router.add(route("POST", "/t/u/{token}", BodyKind::raw, unsubscribe));
}

}  // namespace relance::api::detail
