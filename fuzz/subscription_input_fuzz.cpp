// The outbound webhook inputs a client controls: a subscription's target URL (checked before it
// is stored, then handed to the HTTP client at every delivery) and the feed's `after` (an event
// id or seq). Neither throws on any bytes; a URL accepted is plain ASCII http(s) with a host and
// no user information, short enough for the HTTP client; a seq read is never negative.
#include <cstdint>
#include <cstdlib>
#include <relance/app/subscriptions.hpp>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    std::string why = relance::app::target_url_problem(text);
    if (why.empty()) {
        if (text.size() > 2048) std::abort();
        auto scheme_end = text.find("://");
        if (scheme_end == std::string::npos) std::abort();
        std::string scheme = text.substr(0, scheme_end);
        for (auto& c : scheme) c = static_cast<char>(c | 0x20);  // ASCII letters to lower case
        if (scheme != "http" && scheme != "https") std::abort();
        auto host_begin = scheme_end + 3;
        auto host_end = text.find_first_of("/?#", host_begin);
        std::string authority = text.substr(
            host_begin, host_end == std::string::npos ? std::string::npos : host_end - host_begin);
        if (authority.empty() || authority.find('@') != std::string::npos) std::abort();
        for (unsigned char c : text)
            if (c <= 0x20 || c >= 0x7f) std::abort();
    }
    if (auto seq = relance::app::feed_seq_of(text); seq && *seq < 0) std::abort();
    return 0;
}
