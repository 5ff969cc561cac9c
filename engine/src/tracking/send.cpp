#include <relance/tracking/html_rewrite.hpp>
#include <relance/tracking/send.hpp>
#include <relance/tracking/token.hpp>

namespace relance::tracking {

namespace {

std::string url_for(const SendPlan& plan, const Link& link, const char* route) {
    auto token = sign(link, plan.key);
    return token ? plan.base_url + route + *token : std::string();
}

}  // namespace

std::string unsubscribe_url(const SendPlan& plan) {
    return url_for(plan, Link{LinkKind::unsubscribe, plan.message_id, 0, {}}, "/t/u/");
}

SendChanges decorate_send(nlohmann::json& input, const SendPlan& plan) {
    SendChanges changes;
    if (!input.is_object() || plan.base_url.empty()) return changes;
    if (plan.unsubscribe) {
        auto it = input.find("unsubscribe_url");
        bool given = it != input.end() && it->is_string() && !it->get<std::string>().empty();
        if (!given) {
            std::string url = unsubscribe_url(plan);
            if (!url.empty()) {
                input["unsubscribe_url"] = url;
                changes.unsubscribe = true;
            }
        }
    }
    auto html = input.find("html");
    if ((plan.opens || plan.clicks) && html != input.end() && html->is_string()) {
        RewriteOptions options;
        options.own_prefix = plan.base_url + "/t/";
        if (plan.opens) {
            // ".gif": some image proxies fetch only what looks like an image.
            options.pixel_url =
                url_for(plan, Link{LinkKind::open, plan.message_id, 0, {}}, "/t/o/");
            if (!options.pixel_url.empty()) options.pixel_url += ".gif";
        }
        if (plan.clicks)
            options.link = [&plan](std::uint32_t index, const std::string& url) {
                auto printable = printable_url(url);
                if (!printable) return std::string();
                return url_for(plan, Link{LinkKind::click, plan.message_id, index, *printable},
                               "/t/c/");
            };
        Rewritten r = rewrite_html(html->get_ref<const std::string&>(), options);
        *html = std::move(r.html);
        changes.pixel = r.pixel;
        changes.links = r.links;
    }
    return changes;
}

}  // namespace relance::tracking
