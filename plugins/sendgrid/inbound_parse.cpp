#include "inbound_parse.hpp"

#include <cstring>

#include "message_id.hpp"
#include "webhook_crypto.hpp"

namespace relance::plugins::sendgrid {

namespace {

using sdk::json;

constexpr std::size_t kMaxBoundary = 70;
constexpr std::size_t kMaxIdBytes = 998;  // a header line's limit (RFC 5322)
constexpr std::size_t kMaxValueBytes = 64 * 1024;
constexpr std::size_t kSubjectBytes = 200;
constexpr std::size_t kSnippetBytes = 500;
constexpr std::size_t kAddressBytes = 320;

bool space(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (space(s.front()) || s.front() == '\r' || s.front() == '\n'))
        s.remove_prefix(1);
    while (!s.empty() && (space(s.back()) || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// The first occurrence of `needle` in `hay` at or after `from`, or npos. glibc's memmem runs in
// linear time whatever the input (two-way), unlike a naive search over a hostile body.
std::size_t find(std::string_view hay, std::string_view needle, std::size_t from) {
    if (from > hay.size()) return std::string_view::npos;
    const void* at = ::memmem(hay.data() + from, hay.size() - from, needle.data(), needle.size());
    return at ? static_cast<std::size_t>(static_cast<const char*>(at) - hay.data())
              : std::string_view::npos;
}

// The parameters after the first ';' of a header value (Content-Type, Content-Disposition),
// names lower-cased, quoted values unquoted. One pass over the value.
std::vector<std::pair<std::string, std::string>> parameters(std::string_view value) {
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t i = value.find(';');
    while (i != std::string_view::npos && i < value.size()) {
        ++i;  // past ';'
        while (i < value.size() && space(value[i])) ++i;
        std::size_t name_start = i;
        while (i < value.size() && value[i] != '=' && value[i] != ';') ++i;
        std::string name = lower(trim(value.substr(name_start, i - name_start)));
        std::string v;
        if (i < value.size() && value[i] == '=') {
            ++i;
            while (i < value.size() && space(value[i])) ++i;
            if (i < value.size() && value[i] == '"') {
                for (++i; i < value.size() && value[i] != '"'; ++i) {
                    if (value[i] == '\\' && i + 1 < value.size()) ++i;
                    v += value[i];
                }
                if (i < value.size()) ++i;  // the closing quote
                while (i < value.size() && value[i] != ';') ++i;
            } else {
                std::size_t start = i;
                while (i < value.size() && value[i] != ';') ++i;
                v = std::string(trim(value.substr(start, i - start)));
            }
        }
        if (!name.empty()) out.emplace_back(std::move(name), std::move(v));
        if (i >= value.size() || value[i] != ';') break;
    }
    return out;
}

std::string parameter(std::string_view value, std::string_view name) {
    for (auto& [n, v] : parameters(value))
        if (n == name) return v;
    return {};
}

// The field named `name` (first one), or nullptr.
const FormField* field(const std::vector<FormField>& fields, std::string_view name) {
    for (const auto& f : fields)
        if (f.name == name) return &f;
    return nullptr;
}

std::string header(const std::vector<std::pair<std::string, std::string>>& headers,
                   std::string_view name) {
    for (const auto& [n, v] : headers)
        if (lower(n) == name) return v;
    return {};
}

std::string cut(std::string_view text, std::size_t max) {
    return std::string(sdk::cut_utf8(trim(text), max));
}

}  // namespace

std::optional<std::string> form_boundary(std::string_view content_type, std::string* why) {
    auto refuse = [&](const char* reason) -> std::optional<std::string> {
        if (why) *why = reason;
        return std::nullopt;
    };
    std::string_view media = trim(content_type.substr(0, content_type.find(';')));
    if (lower(media) != "multipart/form-data") return refuse("not multipart/form-data");
    std::string boundary = parameter(content_type, "boundary");
    if (boundary.empty()) return refuse("multipart/form-data without a boundary");
    if (boundary.size() > kMaxBoundary) return refuse("a boundary longer than 70 characters");
    for (char c : boundary)
        if (c < ' ' || c > '~') return refuse("a boundary with a character RFC 2046 forbids");
    return boundary;
}

std::vector<FormField> parse_form_data(std::string_view body, std::string_view boundary) {
    const std::string delimiter = "--" + std::string(boundary);
    const std::string next_delimiter = "\n" + delimiter;
    auto bad = [](const std::string& why) { return sdk::malformed("body", why); };
    // The first delimiter starts the body or a line (a preamble may come before it).
    std::size_t pos = 0;
    if (body.substr(0, delimiter.size()) == delimiter) {
        pos = delimiter.size();
    } else {
        std::size_t first = find(body, next_delimiter, 0);
        if (first == std::string_view::npos)
            throw bad("the multipart body has no part starting with its boundary");
        pos = first + next_delimiter.size();
    }
    std::vector<FormField> fields;
    for (;;) {
        if (body.substr(pos, 2) == "--")
            return fields;  // the close delimiter; the rest is epilogue
        while (pos < body.size() && space(body[pos])) ++pos;  // transport padding
        if (body.substr(pos, 2) == "\r\n")
            pos += 2;
        else if (body.substr(pos, 1) == "\n")
            pos += 1;
        else
            throw bad("a multipart boundary is not followed by a line break");
        if (fields.size() == kMaxFormParts)
            throw bad("the multipart body has more than " + std::to_string(kMaxFormParts) +
                      " parts");

        // The part's head: lines up to an empty one.
        FormField part;
        bool disposition = false;
        std::size_t head_start = pos;
        for (;;) {
            std::size_t eol = body.find('\n', pos);
            if (eol == std::string_view::npos || eol - head_start > kMaxPartHeadBytes)
                throw bad("a multipart part's head is unterminated or longer than " +
                          std::to_string(kMaxPartHeadBytes) + " bytes");
            std::string_view line = body.substr(pos, eol - pos);
            pos = eol + 1;
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            if (line.empty()) break;
            auto colon = line.find(':');
            if (colon == std::string_view::npos) continue;
            std::string name = lower(trim(line.substr(0, colon)));
            std::string_view value = trim(line.substr(colon + 1));
            if (name == "content-disposition") {
                if (lower(trim(value.substr(0, value.find(';')))) != "form-data")
                    throw bad("a multipart part is not form-data");
                for (auto& [n, v] : parameters(value)) {
                    if (n == "name") part.name = v;
                    if (n == "filename") part.filename = v;
                }
                disposition = true;
            } else if (name == "content-type") {
                part.content_type = std::string(value);
            }
        }
        if (!disposition) throw bad("a multipart part has no Content-Disposition");
        // The content runs to the line break before the next delimiter.
        std::size_t next = find(body, next_delimiter, pos);
        if (next == std::string_view::npos)
            throw bad("a multipart part does not end with the boundary");
        std::size_t end = next;
        if (end > pos && body[end - 1] == '\r') --end;
        part.value = std::string(body.substr(pos, end - pos));
        fields.push_back(std::move(part));
        pos = next + next_delimiter.size();
    }
}

std::vector<std::pair<std::string, std::string>> parse_header_block(std::string_view block) {
    std::vector<std::pair<std::string, std::string>> out;
    block = block.substr(0, kMaxHeaderBlockBytes);
    std::size_t pos = 0;
    bool folding = false;  // the last line read was a field, which a folded line continues
    while (pos < block.size() && out.size() <= kMaxHeaderFields) {
        std::size_t eol = block.find('\n', pos);
        if (eol == std::string_view::npos) eol = block.size();
        std::string_view line = block.substr(pos, eol - pos);
        pos = eol + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) break;  // the body begins
        if (space(line.front())) {
            if (folding && out.back().second.size() < kMaxValueBytes) {
                out.back().second += ' ';
                out.back().second += trim(line);
            }
            continue;
        }
        auto colon = line.find(':');
        std::string_view name = colon == std::string_view::npos ? "" : line.substr(0, colon);
        bool is_field = !name.empty() && name.find_first_of(" \t") == std::string_view::npos;
        folding = is_field && out.size() < kMaxHeaderFields;
        if (folding)
            out.emplace_back(std::string(name),
                             std::string(trim(line.substr(colon + 1)).substr(0, kMaxValueBytes)));
    }
    return out;
}

std::vector<std::string> message_ids(std::string_view value) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (out.size() < kMaxMessageIds) {
        std::size_t open = value.find('<', pos);
        if (open == std::string_view::npos) break;
        std::size_t close = value.find('>', open + 1);
        if (close == std::string_view::npos) break;
        std::string_view id = trim(value.substr(open + 1, close - open - 1));
        // A nested '<' starts the id anew: "<<a@b>" reads as "a@b".
        if (auto inner = id.rfind('<'); inner != std::string_view::npos)
            id.remove_prefix(inner + 1);
        if (!id.empty() && id.size() <= kMaxIdBytes) out.emplace_back(id);
        pos = close + 1;
    }
    return out;
}

std::string address_of(std::string_view from) {
    from = trim(from);
    std::string_view address = from;
    if (auto close = from.rfind('>'); close != std::string_view::npos) {
        auto open = from.rfind('<', close);
        if (open == std::string_view::npos) return "";
        address = trim(from.substr(open + 1, close - open - 1));
    }
    if (address.find('@') == std::string_view::npos || address.size() > kAddressBytes ||
        address.find_first_of(" \t<>,;\"") != std::string_view::npos)
        return "";
    return std::string(address);
}

sdk::InboundAnswer read_inbound_parse(std::string_view content_type, std::string_view body) {
    std::string why;
    auto boundary = form_boundary(content_type, &why);
    if (!boundary) throw sdk::malformed("headers.content-type", "Inbound Parse posts " + why);
    std::vector<FormField> fields = parse_form_data(body, *boundary);

    // The headers come as their own field, or (with "POST the raw, full MIME message") at the
    // top of the `email` field.
    std::string_view block;
    std::string_view raw_body;
    if (const FormField* h = field(fields, "headers")) {
        block = h->value;
    } else if (const FormField* email = field(fields, "email")) {
        block = email->value;
        std::size_t end = find(block, "\n\n", 0), crlf = find(block, "\r\n\r\n", 0);
        std::size_t split = std::min(end == std::string_view::npos ? block.size() : end + 2,
                                     crlf == std::string_view::npos ? block.size() : crlf + 4);
        raw_body = block.substr(std::min(split, block.size()));
    }
    auto headers = parse_header_block(block);

    const FormField* from_field = field(fields, "from");
    std::string from = from_field ? from_field->value : header(headers, "from");
    std::string contact = address_of(from);
    const FormField* subject_field = field(fields, "subject");
    std::string subject = subject_field ? subject_field->value : header(headers, "subject");
    const FormField* text_field = field(fields, "text");
    std::string_view text = text_field ? std::string_view(text_field->value) : raw_body;

    sdk::InboundEvent event;
    event.type = "replied";
    // The message it answers: In-Reply-To first, then References from the most recent.
    std::string matched_by;
    for (const auto& id : message_ids(header(headers, "in-reply-to")))
        if (auto engine_id = engine_message_id_of(id); !engine_id.empty()) {
            event.message_id = engine_id;
            matched_by = "in-reply-to";
            break;
        }
    if (event.message_id.empty()) {
        auto refs = message_ids(header(headers, "references"));
        for (auto it = refs.rbegin(); it != refs.rend(); ++it)
            if (auto engine_id = engine_message_id_of(*it); !engine_id.empty()) {
                event.message_id = engine_id;
                matched_by = "references";
                break;
            }
    }
    if (contact.empty() && event.message_id.empty())
        throw sdk::malformed("from",
                             "the Inbound Parse post names no sender address in 'from' "
                             "and answers no message relance sent");
    event.contact = contact;
    if (matched_by.empty()) matched_by = "sender";

    // The reply's own Message-ID makes SendGrid's retries of the same post one event.
    auto own = message_ids(header(headers, "message-id"));
    event.id = !own.empty() && own.front().size() <= 190
                   ? "reply:" + own.front()
                   : "reply:sha256:" + sha256_hex(body).substr(0, 32);
    event.data = json{{"channel", "email"},
                      {"from", cut(from, kAddressBytes)},
                      {"subject", cut(subject, kSubjectBytes)},
                      {"snippet", cut(text, kSnippetBytes)},
                      {"matched_by", matched_by}};
    // An out-of-office answer is a reply too, but one a workflow may want to tell apart.
    std::string auto_submitted = lower(trim(header(headers, "auto-submitted")));
    if (!auto_submitted.empty() && auto_submitted != "no") event.data["auto_submitted"] = true;

    sdk::InboundAnswer answer;
    answer.events.push_back(std::move(event));
    return answer;
}

}  // namespace relance::plugins::sendgrid
