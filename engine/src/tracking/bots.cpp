#include <arpa/inet.h>

#include <cstring>
#include <relance/tracking/bots.hpp>

namespace relance::tracking {

namespace {

// Long user agents are cut: the fragments that matter come early, and the cost stays bounded.
constexpr std::size_t kMaxAgentBytes = 1024;

std::string lowered(std::string_view s) {
    s = s.substr(0, kMaxAgentBytes);
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// The scanner fragment the agent holds, if any.
std::optional<std::string_view> scanner_in(const std::string& agent) {
    for (std::string_view fragment : scanner_agents())
        if (agent.find(fragment) != std::string::npos) return fragment;
    return std::nullopt;
}

// `bytes` of an address in the prefix `net`/`bits`.
bool in_prefix(const unsigned char* addr, const unsigned char* net, int bits) {
    int whole = bits / 8;
    if (std::memcmp(addr, net, static_cast<std::size_t>(whole)) != 0) return false;
    int rest = bits % 8;
    if (rest == 0) return true;
    unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
    return (addr[whole] & mask) == (net[whole] & mask);
}

bool ip_address(std::string_view text) {
    if (text.empty() || text.size() > 45) return false;
    std::string s(text);
    unsigned char buf[16];
    return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace

const std::vector<std::string_view>& scanner_agents() {
    // Security gateways and link checkers that announce themselves, link previewers, and
    // HTTP libraries no mail reader uses. Many scanners pose as browsers: the time since the
    // send catches those.
    static const std::vector<std::string_view> kAgents = {"barracuda",
                                                          "proofpoint",
                                                          "mimecast",
                                                          "safelinks",
                                                          "microsoftpreview",
                                                          "skypeuripreview",
                                                          "defender",
                                                          "trendmicro",
                                                          "trend micro",
                                                          "symantec",
                                                          "messagelabs",
                                                          "forcepoint",
                                                          "fortiguard",
                                                          "sophos",
                                                          "ironport",
                                                          "zscaler",
                                                          "cloudmark",
                                                          "spamtitan",
                                                          "bitdefender",
                                                          "kaspersky",
                                                          "mailscanner",
                                                          "headlesschrome",
                                                          "phantomjs",
                                                          "python-requests",
                                                          "python-urllib",
                                                          "go-http-client",
                                                          "curl/",
                                                          "wget/",
                                                          "libwww-perl",
                                                          "okhttp",
                                                          "apache-httpclient",
                                                          "java/",
                                                          "bot",
                                                          "crawler",
                                                          "spider",
                                                          "facebookexternalhit"};
    return kAgents;
}

bool apple_network(std::string_view address) {
    if (address.empty() || address.size() > 45) return false;
    std::string s(address);
    unsigned char a[16];
    if (inet_pton(AF_INET, s.c_str(), a) == 1) return a[0] == 17;
    if (inet_pton(AF_INET6, s.c_str(), a) != 1) return false;
    static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a, kMapped, 12) == 0) return a[12] == 17;
    // 2620:149::/32, 2403:300::/32, 2a01:b740::/32
    static const unsigned char kApple6[3][4] = {
        {0x26, 0x20, 0x01, 0x49}, {0x24, 0x03, 0x03, 0x00}, {0x2a, 0x01, 0xb7, 0x40}};
    for (const auto& net : kApple6)
        if (in_prefix(a, net, 32)) return true;
    return false;
}

std::string client_address(std::string_view peer, std::string_view forwarded_for, bool trust) {
    if (trust && !forwarded_for.empty()) {
        std::string_view first = trimmed(forwarded_for.substr(0, forwarded_for.find(',')));
        if (ip_address(first)) return std::string(first);
    }
    return ip_address(peer) ? std::string(peer) : std::string();
}

BotVerdict classify_open(const Hit& hit) {
    BotVerdict v;
    std::string_view agent = trimmed(hit.user_agent);
    if (agent.empty()) {
        v.bot = true;
        v.reason = "no_user_agent";
        return v;
    }
    std::string low = lowered(agent);
    // Apple's proxy: a bare "Mozilla/5.0", or any agent from Apple's network.
    if (low == "mozilla/5.0" || apple_network(hit.address)) {
        v.bot = true;
        v.reason = "apple_mpp";
        return v;
    }
    // Gmail's image proxy fetches when the person opens the message (then caches it): a
    // person's open, marked so reports can tell.
    if (low.find("googleimageproxy") != std::string::npos) {
        v.proxy = "google";
        return v;
    }
    if (auto s = scanner_in(low)) {
        v.bot = true;
        v.reason = "scanner:" + std::string(*s);
    }
    return v;
}

BotVerdict classify_click(const Hit& hit, std::chrono::milliseconds scanner_window) {
    BotVerdict v;
    std::string_view agent = trimmed(hit.user_agent);
    if (agent.empty()) {
        v.bot = true;
        v.reason = "no_user_agent";
        return v;
    }
    if (auto s = scanner_in(lowered(agent))) {
        v.bot = true;
        v.reason = "scanner:" + std::string(*s);
        return v;
    }
    if (hit.since_send && *hit.since_send < scanner_window) {
        v.bot = true;
        v.reason = "too_soon";
    }
    return v;
}

}  // namespace relance::tracking
