// Tracking tokens and the HTML rewrite from any bytes (docs/tracking.md). The first byte picks
// the target:
// - 0: the bytes as a token (a /t/ path segment): verify never throws, and whatever it accepts
//   re-signs to the very same token (one token, one spelling) with a valid link;
// - 1: the bytes as a payload: parse_payload never throws, and what it accepts is well formed;
// - 2: the bytes as an email's HTML: the rewrite never throws, keeps every byte outside the
//   rewritten hrefs (a body without links comes back unchanged), and tracks at most max_links.
#include <cstdint>
#include <cstdlib>
#include <relance/signatures/encoding.hpp>
#include <relance/tracking/html_rewrite.hpp>
#include <relance/tracking/token.hpp>
#include <string>
#include <string_view>

namespace t = relance::tracking;

namespace {

const std::string kKey(32, '\x5a');

void check_link(const t::Link& link) {
    if (link.message_id.empty() || link.message_id.size() > t::kMaxMessageIdBytes) std::abort();
    if (link.kind == t::LinkKind::click) {
        if (link.url.size() > t::kMaxUrlBytes) std::abort();
        for (char c : link.url)
            if (c < '!' || c > '~') std::abort();  // nothing that could split a header
    } else if (!link.url.empty()) {
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (data[0] % 3) {
        case 0: {
            if (auto link = t::verify(in, kKey)) {
                check_link(*link);
                auto again = t::sign(*link, kKey);
                if (!again || *again != in) std::abort();
            }
            // A payload signed as it is: verify must agree with parse_payload.
            if (in.size() < 512) {
                auto parsed = t::parse_payload(in);
                if (parsed) {
                    check_link(*parsed);
                    auto token = t::sign(*parsed, kKey);
                    if (!token || !t::verify(*token, kKey)) std::abort();
                }
            }
            break;
        }
        case 1: {
            if (auto link = t::parse_payload(in)) check_link(*link);
            if (auto bytes = relance::signatures::base64url_decode(in))
                if (relance::signatures::base64url_encode(*bytes) != in) std::abort();
            break;
        }
        default: {
            t::RewriteOptions o;
            o.max_links = 8;
            o.link = [](std::uint32_t, const std::string& url) {
                // Only http(s) destinations are offered, whatever their case.
                std::string head = url.substr(0, 8);
                for (auto& c : head)
                    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
                if (head.rfind("http://", 0) != 0 && head.rfind("https://", 0) != 0) std::abort();
                return std::string("https://t.test/t/c/X");
            };
            o.pixel_url = "https://t.test/t/o/P.gif";
            t::Rewritten r = t::rewrite_html(in, o);
            if (r.links > o.max_links || !r.pixel) std::abort();
            if (r.html.size() < in.size()) {
                // Only hrefs shrink (to the short tracked URL): never without a link rewritten.
                if (r.links == 0) std::abort();
            }
            t::RewriteOptions none;
            if (t::rewrite_html(in, none).html != in) std::abort();
            break;
        }
    }
    return 0;
}
