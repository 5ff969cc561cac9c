// Rewriting an email's HTML for tracking: its http(s) links through the click redirect and an
// open pixel before </body>. One hand-written pass over the text (no regular expression): every
// byte is looked at a bounded number of times, whatever the markup, so a huge or hostile body
// costs time linear in its size. Comments, <script> and <style> are copied untouched.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace relance::tracking {

struct RewriteOptions {
    // The tracked URL for the link at `index` (0, 1, ... in the order met) to `url` (its href
    // value with HTML character references decoded); "" leaves that link as it is. Unset: no
    // link is rewritten.
    std::function<std::string(std::uint32_t index, const std::string& url)> link;
    // The open pixel's URL; "" = no pixel.
    std::string pixel_url;
    // Links past this many are left as they are (a body is not a link farm).
    std::size_t max_links = 200;
    // A link whose href already starts with this is not rewritten (the body's own unsubscribe
    // link, or a link rewritten before). "" = none.
    std::string own_prefix;
};

struct Rewritten {
    std::string html;
    std::size_t links = 0;  // how many were rewritten
    bool pixel = false;     // whether the pixel was added
};

// The rewritten body. Links rewritten: <a ...> tags whose first href attribute (any case,
// double-, single- or un-quoted) holds an http:// or https:// URL; the tag's other attributes
// and their order are kept, the href is written back double-quoted. Left as they are: mailto:,
// tel:, relative and fragment links, links in comments, <script> and <style>, links marked
// with a `data-relance-notrack` attribute. The pixel goes right before the last </body>, or at
// the end when there is none.
Rewritten rewrite_html(std::string_view html, const RewriteOptions& options);

// The text of an attribute value with the character references a browser decodes in an href:
// &amp; &lt; &gt; &quot; &apos; and numeric ones (&#38; &#x26;). Others are kept as written.
std::string decode_references(std::string_view value);

// `text` escaped for a double-quoted attribute value (&, <, >, ").
std::string escape_attribute(std::string_view text);

}  // namespace relance::tracking
