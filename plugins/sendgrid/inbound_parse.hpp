// SendGrid's Inbound Parse (providers.md 1.7): a multipart/form-data post of an email received
// on the parse domain, read into a `replied` event. The reply is matched to the message it
// answers by In-Reply-To, then References, against the Message-ID the plugin gave each email
// (message_id.hpp); without one of ours, the sender's address names the contact.
//
// Every parser here reads text from strangers: each is linear, without recursion, and bounded
// (parts, header sizes, ids), and goes over its limits with an sdk::malformed naming the field.
#pragma once

#include <optional>
#include <relance/plugin.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace relance::plugins::sendgrid {

inline constexpr std::size_t kMaxFormParts = 256;
inline constexpr std::size_t kMaxPartHeadBytes = 16 * 1024;
inline constexpr std::size_t kMaxHeaderBlockBytes = 256 * 1024;
inline constexpr std::size_t kMaxHeaderFields = 1000;
inline constexpr std::size_t kMaxMessageIds = 100;

struct FormField {
    std::string name;
    std::string filename;      // a file part (attachment1...), "" otherwise
    std::string content_type;  // as its part says, "" when it says nothing
    std::string value;
};

// The boundary of a "multipart/form-data; boundary=..." Content-Type (quoted or not, 1 to 70
// characters, RFC 2046); std::nullopt, with the reason in `why`, for anything else.
std::optional<std::string> form_boundary(std::string_view content_type, std::string* why);

// The parts of a multipart/form-data body, in order. Throws sdk::malformed("body", ...) when it
// is not one, or holds more than kMaxFormParts parts or a part head over kMaxPartHeadBytes.
std::vector<FormField> parse_form_data(std::string_view body, std::string_view boundary);

// The fields of an RFC 5322 header block ("Name: value" lines, folded lines joined), in order,
// at most kMaxHeaderFields, reading at most kMaxHeaderBlockBytes; lines that are no field are
// skipped. Stops at the first empty line (where a message's body begins).
std::vector<std::pair<std::string, std::string>> parse_header_block(std::string_view block);

// The ids between angle brackets of an In-Reply-To or References value, in order, at most
// kMaxMessageIds, each as written inside its brackets.
std::vector<std::string> message_ids(std::string_view value);

// The address of a From value: "Ana <ana@acme.test>" and "ana@acme.test" give
// "ana@acme.test"; "" when there is none.
std::string address_of(std::string_view from);

// An Inbound Parse post (its Content-Type and body) as one `replied` event, with the engine
// message id it answers when it names one of ours. Throws sdk::malformed naming the field.
sdk::InboundAnswer read_inbound_parse(std::string_view content_type, std::string_view body);

}  // namespace relance::plugins::sendgrid
