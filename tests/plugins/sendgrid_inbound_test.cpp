// SendGrid's callbacks: the Event Webhook signature (SendGrid's published vectors, and key pairs
// of our own), the reading of event batches and Inbound Parse posts, and the whole inbound role
// of the real sendgrid.so through the host, in both isolations, fed by its own emulator.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "event_webhook.hpp"
#include "inbound_parse.hpp"
#include "message_id.hpp"
#include "plugin_fixture.hpp"
#include "sandbox_key.hpp"
#include "test_util.hpp"
#include "webhook_crypto.hpp"

using namespace relance;
using namespace relance::plugins::sendgrid;
using host::InboundOutcome;
using nlohmann::json;
using test::SandboxedPlugin;

namespace {

// SendGrid's own test vector (sendgrid-nodejs packages/eventwebhook, commit 498e2329; also in
// sendgrid-python test_eventwebhook.py), as /work/shared/reference/webhook-vectors.json keeps it.
const std::string kVectorKey =
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+"
    "2fNNRaINXvVpiglSI8eNEc6wEA3F+g==";
const std::string kVectorSignature =
    "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+"
    "luQAbPIqHh89M15TluLtEZtM"
    "=";
const std::string kVectorTimestamp = "1600112502";
const std::string kVectorBody =
    "[{\"email\":\"hello@world.com\",\"event\":\"dropped\",\"reason\":\"Bounced Address\","
    "\"sg_event_id\":\"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA\",\"sg_message_id\":"
    "\"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0\",\"smtp-id\":"
    "\"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>\",\"timestamp\":1600112492}]\r\n";
// The older vector of providers.md 1.6 (a test_event object, no CRLF).
const std::string kOldVectorKey =
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+"
    "u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPT"
    "nlvFYPAZFceEu/1FwCM/QmGUhA==";
const std::string kOldVectorSignature =
    "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/"
    "0=";
const std::string kOldVectorBody =
    R"({"category":"example_payload","event":"test_event","message_id":"message_id"})";

sdk::InboundRequest signed_request(const std::string& body, const std::string& timestamp,
                                   const std::string& signature) {
    sdk::InboundRequest r;
    r.method = "POST";
    r.headers = {{"Content-Type", "application/json"},
                 {std::string(kSignatureHeader), signature},
                 {std::string(kTimestampHeader), timestamp}};
    r.body = body;
    return r;
}

// The reason verify_event_webhook refuses, "" when it accepts.
std::string refusal(const sdk::InboundRequest& r, const std::string& key_text, std::int64_t now_s) {
    auto key = VerificationKey::parse(key_text, nullptr);
    if (!key) return "bad key";
    try {
        verify_event_webhook(r, *key, now_s * 1000, 600);
        return "";
    } catch (const sdk::Error& e) {
        EXPECT_EQ(e.status(), sdk::Status::account) << e.what();
        return e.what();
    }
}

// A fresh P-256 key pair, as PEM private key and base64 SPKI public key.
std::pair<std::string, std::string> new_key_pair() {
    EVP_PKEY* pkey = EVP_EC_gen("P-256");
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(size));
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    auto key = SigningKey::from_pem(pem, nullptr);
    return {pem, key ? key->public_key_base64() : ""};
}

}  // namespace

// ---- the Event Webhook signature ------------------------------------------------------------

TEST(SendGridSignature, SendGridsOwnVectorsVerify) {
    EXPECT_EQ(refusal(signed_request(kVectorBody, kVectorTimestamp, kVectorSignature), kVectorKey,
                      1600112502),
              "");
    EXPECT_EQ(refusal(signed_request(kOldVectorBody, "1588788367", kOldVectorSignature),
                      kOldVectorKey, 1588788367 + 30),
              "");
}

TEST(SendGridSignature, ATamperedBodyWrongSignatureOrOtherTimestampIsRefused) {
    // The body of the published negative vector: one byte changed.
    std::string tampered = kVectorBody;
    tampered[164] = 'A';
    EXPECT_NE(refusal(signed_request(tampered, kVectorTimestamp, kVectorSignature), kVectorKey,
                      1600112502)
                  .find("does not match"),
              std::string::npos);
    // The body re-serialised (the CRLF dropped) is another text.
    std::string trimmed = kVectorBody.substr(0, kVectorBody.size() - 2);
    EXPECT_NE(refusal(signed_request(trimmed, kVectorTimestamp, kVectorSignature), kVectorKey,
                      1600112502),
              "");
    // The other vector's signature, another timestamp, another key.
    EXPECT_NE(refusal(signed_request(kVectorBody, kVectorTimestamp, kOldVectorSignature),
                      kVectorKey, 1600112502),
              "");
    EXPECT_NE(refusal(signed_request(kVectorBody, "1600112503", kVectorSignature), kVectorKey,
                      1600112502),
              "");
    EXPECT_NE(refusal(signed_request(kVectorBody, kVectorTimestamp, kVectorSignature),
                      kOldVectorKey, 1600112502),
              "");
    EXPECT_NE(refusal(signed_request(kVectorBody, kVectorTimestamp, "not base64!"), kVectorKey,
                      1600112502)
                  .find("not base64"),
              std::string::npos);
}

TEST(SendGridSignature, AStaleOrFutureTimestampIsRefusedEvenWithAGoodSignature) {
    auto r = signed_request(kVectorBody, kVectorTimestamp, kVectorSignature);
    EXPECT_EQ(refusal(r, kVectorKey, 1600112502 + 600), "");
    EXPECT_NE(refusal(r, kVectorKey, 1600112502 + 601).find("601 s old"), std::string::npos);
    EXPECT_NE(refusal(r, kVectorKey, 1600112502 - 700).find("in the future"), std::string::npos);
}

TEST(SendGridSignature, MissingOrRepeatedHeadersAreRefused) {
    auto r = signed_request(kVectorBody, kVectorTimestamp, kVectorSignature);
    r.headers.erase(r.headers.begin() + 1);  // no signature
    EXPECT_NE(refusal(r, kVectorKey, 1600112502).find("not signed"), std::string::npos);
    auto twice = signed_request(kVectorBody, kVectorTimestamp, kVectorSignature);
    twice.headers.emplace_back(std::string(kSignatureHeader), kOldVectorSignature);
    EXPECT_NE(refusal(twice, kVectorKey, 1600112502).find("has 2"), std::string::npos);
    // Header names in any case.
    auto lower = signed_request(kVectorBody, kVectorTimestamp, kVectorSignature);
    lower.headers[1].first = "x-twilio-email-event-webhook-signature";
    EXPECT_EQ(refusal(lower, kVectorKey, 1600112502), "");
}

TEST(SendGridSignature, OurOwnKeyPairsSignAndVerifyAndNoOtherKeyAccepts) {
    auto [pem, pub] = new_key_pair();
    auto [other_pem, other_pub] = new_key_pair();
    ASSERT_FALSE(pub.empty());
    auto key = SigningKey::from_pem(pem, nullptr);
    ASSERT_TRUE(key);
    std::string body = R"([{"email":"ana@acme.test","event":"delivered"}])";
    std::string signature = sdk::base64_encode(key->sign("1700000000" + body));
    EXPECT_EQ(refusal(signed_request(body, "1700000000", signature), pub, 1700000000), "");
    EXPECT_NE(refusal(signed_request(body, "1700000000", signature), other_pub, 1700000000), "");
    // The sandbox key's public half is what the sandbox publishes.
    auto sandbox = SigningKey::from_pem(kSandboxWebhookPrivateKeyPem, nullptr);
    ASSERT_TRUE(sandbox);
    EXPECT_EQ(sandbox->public_key_base64(), kSandboxWebhookPublicKey);
}

TEST(SendGridSignature, KeysThatAreNotP256AreRefused) {
    std::string why;
    EXPECT_FALSE(VerificationKey::parse("", &why));
    EXPECT_FALSE(VerificationKey::parse("bm90IGEga2V5", &why));  // "not a key"
    EXPECT_NE(why.find("SubjectPublicKeyInfo"), std::string::npos) << why;
    // A P-384 key.
    EVP_PKEY* p384 = EVP_EC_gen("P-384");
    unsigned char* der = nullptr;
    int size = i2d_PUBKEY(p384, &der);
    std::string b64 = sdk::base64_encode(std::string(reinterpret_cast<char*>(der), size));
    OPENSSL_free(der);
    EVP_PKEY_free(p384);
    EXPECT_FALSE(VerificationKey::parse(b64, &why));
    EXPECT_NE(why.find("P-256"), std::string::npos) << why;
    // The PEM armour is accepted.
    EXPECT_TRUE(VerificationKey::parse("-----BEGIN PUBLIC KEY-----\n" + kVectorKey.substr(0, 64) +
                                           "\n" + kVectorKey.substr(64) +
                                           "\n-----END PUBLIC KEY-----\n",
                                       &why))
        << why;
}

TEST(SendGridSignature, SecretsCompareWholly) {
    EXPECT_TRUE(same_secret("s3cret", "s3cret"));
    EXPECT_FALSE(same_secret("s3cret", "s3cre"));
    EXPECT_FALSE(same_secret("s3cret", "s3cres"));
    EXPECT_FALSE(same_secret("", "x"));
}

// ---- reading batches ------------------------------------------------------------------------

TEST(SendGridEvents, EachEventTypeMapsToItsContactEvent) {
    std::string body = R"([
      {"email":"a@x.test","event":"processed","sg_event_id":"e0","timestamp":1700000000},
      {"email":"a@x.test","event":"delivered","sg_event_id":"e1","timestamp":1700000001,
       "engine_msg_id":"r_1.intro.3","sg_message_id":"m1"},
      {"email":"a@x.test","event":"open","sg_event_id":"e2","sg_machine_open":true},
      {"email":"a@x.test","event":"click","sg_event_id":"e3","url":"https://x.test/"},
      {"email":"b@x.test","event":"bounce","type":"bounce","status":"5.1.1","sg_event_id":"e4"},
      {"email":"b@x.test","event":"bounce","type":"blocked","sg_event_id":"e5"},
      {"email":"c@x.test","event":"dropped","reason":"Unsubscribed Address","sg_event_id":"e6"},
      {"email":"c@x.test","event":"dropped","reason":"Spam Reporting Address","sg_event_id":"e7"},
      {"email":"c@x.test","event":"dropped","reason":"Bounced Address","sg_event_id":"e8"},
      {"email":"d@x.test","event":"spamreport","sg_event_id":"e9"},
      {"email":"d@x.test","event":"unsubscribe","sg_event_id":"e10"},
      {"email":"d@x.test","event":"group_unsubscribe","asm_group_id":7,"sg_event_id":"e11"},
      {"email":"d@x.test","event":"group_resubscribe","sg_event_id":"e12"},
      {"email":"d@x.test","event":"deferred","sg_event_id":"e13"},
      {"email":"","event":"delivered","sg_event_id":"e14"},
      {"email":"e@x.test","event":"delivered"},
      "not an event"
    ])";
    auto answer = read_event_batch(body);
    std::vector<std::string> types;
    for (const auto& e : answer.events) types.push_back(e.type + ":" + e.id);
    EXPECT_EQ(types, (std::vector<std::string>{"delivered:e1", "opened:e2", "clicked:e3",
                                               "bounced:e4", "bounced:e5", "unsubscribed:e6",
                                               "complained:e7", "bounced:e8", "complained:e9",
                                               "unsubscribed:e10", "unsubscribed:e11"}));
    EXPECT_EQ(answer.ignored, 6u);  // processed, resubscribe, deferred, no email, no id, a string
    EXPECT_EQ(answer.notes.size(), 3u);
    const auto& delivered = answer.events[0];
    EXPECT_EQ(delivered.contact, "a@x.test");
    EXPECT_EQ(delivered.message_id, "r_1.intro.3");
    EXPECT_EQ(delivered.at_ms, 1700000001000);
    EXPECT_EQ(delivered.data["sg_message_id"], "m1");
    EXPECT_FALSE(answer.events[3].data.value("soft", false));  // a hard bounce
    EXPECT_TRUE(answer.events[4].data.value("soft", false));   // blocked: soft
}

TEST(SendGridEvents, ABodyThatIsNotABatchIsMalformed) {
    for (const std::string& body : std::vector<std::string>{
             "", "nope", "42", "[1,", std::string(40, '[') + std::string(40, ']')}) {
        try {
            read_event_batch(body);
            ADD_FAILURE() << "accepted: " << body;
        } catch (const sdk::Error& e) {
            EXPECT_EQ(e.status(), sdk::Status::permanent);
            EXPECT_EQ(e.field(), "body");
        }
    }
    // One object is a batch of one (SendGrid's test event).
    EXPECT_EQ(read_event_batch(kOldVectorBody).ignored, 1u);
}

// ---- Inbound Parse --------------------------------------------------------------------------

namespace {
std::string form(const std::vector<std::pair<std::string, std::string>>& fields,
                 const std::string& boundary = "xYzZY") {
    std::string body = "preamble to ignore\r\n";
    for (const auto& [name, value] : fields)
        body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name +
                "\"\r\n\r\n" + value + "\r\n";
    return body + "--" + boundary + "--\r\nepilogue";
}
}  // namespace

TEST(SendGridParse, MultipartFieldsComeOutWholeWithTheirNames) {
    std::string binary("\0\x01\xff", 3);
    std::string body =
        "--b\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nline one\r\n--not the "
        "end\r\nline three\r\n--b\r\nContent-Disposition: form-data; name=\"attachment1\"; "
        "filename=\"a \\\"q\\\".bin\"\r\nContent-Type: application/octet-stream\r\n\r\n" +
        binary + "\r\n--b\r\ncontent-disposition: FORM-DATA; name=empty\r\n\r\n\r\n--b--";
    auto boundary = form_boundary("multipart/form-data; boundary=\"b\"", nullptr);
    ASSERT_TRUE(boundary);
    auto fields = parse_form_data(body, *boundary);
    ASSERT_EQ(fields.size(), 3u);
    EXPECT_EQ(fields[0].name, "text");
    EXPECT_EQ(fields[0].value, "line one\r\n--not the end\r\nline three");
    EXPECT_EQ(fields[1].name, "attachment1");
    EXPECT_EQ(fields[1].filename, "a \"q\".bin");
    EXPECT_EQ(fields[1].content_type, "application/octet-stream");
    EXPECT_EQ(fields[1].value, binary);
    EXPECT_EQ(fields[2].name, "empty");
    EXPECT_EQ(fields[2].value, "");
}

TEST(SendGridParse, BrokenMultipartIsMalformedNamingTheBody) {
    std::string why;
    EXPECT_FALSE(form_boundary("application/json", &why));
    EXPECT_FALSE(form_boundary("multipart/form-data", &why));
    EXPECT_FALSE(form_boundary("multipart/form-data; boundary=" + std::string(71, 'b'), &why));
    for (std::string body :
         {std::string("no boundary at all"),
          std::string("--b\r\nContent-Disposition: form-data; "
                      "name=x\r\n\r\nnever ends"),
          std::string("--b\r\nno head end"), std::string("--bX"),
          std::string("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--"),
          std::string("--b\r\nContent-Disposition: attachment\r\n\r\nx\r\n--b--")}) {
        try {
            parse_form_data(body, "b");
            ADD_FAILURE() << "accepted: " << body;
        } catch (const sdk::Error& e) {
            EXPECT_EQ(e.field(), "body") << body;
        }
    }
    // Too many parts, too long a part head: bounded.
    std::vector<std::pair<std::string, std::string>> many(kMaxFormParts + 1, {"f", "v"});
    EXPECT_THROW(parse_form_data(form(many), "xYzZY"), sdk::Error);
    std::string long_head = "--b\r\nX-Pad: " + std::string(kMaxPartHeadBytes, 'a') +
                            "\r\nContent-Disposition: form-data; name=x\r\n\r\nv\r\n--b--";
    EXPECT_THROW(parse_form_data(long_head, "b"), sdk::Error);
}

TEST(SendGridParse, HeaderBlocksUnfoldAndMessageIdsComeOutInOrder) {
    auto headers = parse_header_block(
        "From: Ana <ana@acme.test>\r\nReferences: <a@x>\r\n <rl.r_1.intro.3@relance-demo.test>\r\n"
        "\t<b@x>\r\nnot a field\r\nIn-Reply-To:<c@x>\r\n\r\nBody: not a header\r\n");
    ASSERT_EQ(headers.size(), 3u);
    EXPECT_EQ(headers[1].first, "References");
    EXPECT_EQ(headers[1].second, "<a@x> <rl.r_1.intro.3@relance-demo.test> <b@x>");
    EXPECT_EQ(headers[2].second, "<c@x>");
    EXPECT_EQ(message_ids(headers[1].second),
              (std::vector<std::string>{"a@x", "rl.r_1.intro.3@relance-demo.test", "b@x"}));
    EXPECT_EQ(address_of("\"Martin, Ana\" <Ana@Acme.test>"), "Ana@Acme.test");
    EXPECT_EQ(address_of("ana@acme.test"), "ana@acme.test");
    EXPECT_EQ(address_of("Ana"), "");
    // Bounded: a References with thousands of ids keeps kMaxMessageIds.
    std::string refs;
    for (int i = 0; i < 1000; ++i) refs += "<" + std::to_string(i) + "@x> ";
    EXPECT_EQ(message_ids(refs).size(), kMaxMessageIds);
}

TEST(SendGridParse, OurMessageIdRoundTripsAndOthersAreNotOurs) {
    std::string id = message_id_header("r_0123abcd.intro.3", "sam@relance-demo.test");
    EXPECT_EQ(id, "<rl.r_0123abcd.intro.3@relance-demo.test>");
    EXPECT_EQ(engine_message_id_of(id), "r_0123abcd.intro.3");
    EXPECT_EQ(engine_message_id_of("rl.r_1.x.1@d"), "r_1.x.1");
    EXPECT_EQ(engine_message_id_of("<W3Kf9x@ismtpd0001>"), "");
    EXPECT_EQ(engine_message_id_of("<rl.@d>"), "");
    EXPECT_EQ(message_id_header("has space", "a@b.test"), "");
    EXPECT_EQ(message_id_header("r_1.x.1", "no-domain"), "<rl.r_1.x.1@relance.invalid>");
}

TEST(SendGridParse, AReplyIsMatchedByInReplyToThenReferencesThenTheSender) {
    auto reply = [](const std::string& headers, const std::string& from = "Ana <ana@acme.test>") {
        return read_inbound_parse("multipart/form-data; boundary=xYzZY",
                                  form({{"headers", headers},
                                        {"from", from},
                                        {"subject", "Re: Quick question"},
                                        {"text", "Yes, let's talk.\r\n> quoted"}}));
    };
    auto by_in_reply_to = reply(
        "Message-ID: <reply-1@acme.test>\r\nIn-Reply-To: <rl.r_1.intro.3@relance-demo.test>\r\n"
        "References: <rl.r_1.other.9@relance-demo.test>\r\n");
    ASSERT_EQ(by_in_reply_to.events.size(), 1u);
    const auto& e = by_in_reply_to.events[0];
    EXPECT_EQ(e.type, "replied");
    EXPECT_EQ(e.id, "reply:reply-1@acme.test");
    EXPECT_EQ(e.contact, "ana@acme.test");
    EXPECT_EQ(e.message_id, "r_1.intro.3");
    EXPECT_EQ(e.data["matched_by"], "in-reply-to");
    EXPECT_EQ(e.data["subject"], "Re: Quick question");
    EXPECT_EQ(e.data["snippet"], "Yes, let's talk.\r\n> quoted");

    auto by_references = reply(
        "In-Reply-To: <someone-else@x>\r\nReferences: <rl.r_1.intro.3@d> <rl.r_1.follow_up.5@d> "
        "<someone-else@x>\r\n");
    EXPECT_EQ(by_references.events[0].message_id, "r_1.follow_up.5");  // the most recent of ours
    EXPECT_EQ(by_references.events[0].data["matched_by"], "references");

    auto by_sender = reply("Subject: hi\r\n");
    EXPECT_EQ(by_sender.events[0].message_id, "");
    EXPECT_EQ(by_sender.events[0].data["matched_by"], "sender");
    // No Message-ID: the same post twice is the same event (SendGrid retries on 5xx).
    EXPECT_EQ(by_sender.events[0].id, reply("Subject: hi\r\n").events[0].id);
    EXPECT_EQ(by_sender.events[0].id.rfind("reply:sha256:", 0), 0u);

    // No sender and no message of ours: nothing to record.
    try {
        reply("Subject: hi\r\n", "undisclosed");
        ADD_FAILURE() << "accepted a reply from nobody";
    } catch (const sdk::Error& e) {
        EXPECT_EQ(e.field(), "from");
    }
}

TEST(SendGridParse, TheRawMimeVariantIsReadToo) {
    auto answer =
        read_inbound_parse("multipart/form-data; boundary=xYzZY",
                           form({{"email",
                                  "From: Bo <bo@beta.test>\r\nIn-Reply-To: <rl.r_2.intro.1@d>\r\n"
                                  "Subject: Re: hello\r\n\r\nSure.\r\n"}}));
    ASSERT_EQ(answer.events.size(), 1u);
    EXPECT_EQ(answer.events[0].contact, "bo@beta.test");
    EXPECT_EQ(answer.events[0].message_id, "r_2.intro.1");
    EXPECT_EQ(answer.events[0].data["snippet"], "Sure.");
}

// ---- the inbound role of the real plugin, through the host, in both isolations ---------------

namespace {

// Captures what the emulator posts back, on a loopback port of the test's own. A bare socket
// server: httplib's would parse a multipart body into its parts, and the bytes are the point.
class CallbackCatcher {
  public:
    CallbackCatcher() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        ::listen(fd_, 16);
        thread_ = std::thread([this] { serve(); });
    }
    ~CallbackCatcher() {
        stop_ = true;
        ::shutdown(fd_, SHUT_RDWR);
        ::close(fd_);
        thread_.join();
    }
    std::string url() const {
        return "http://127.0.0.1:" + std::to_string(port_) + "/v1/inbound/sendgrid/default";
    }
    std::vector<host::InboundCall> calls() {
        std::lock_guard lock(mutex_);
        return calls_;
    }

  private:
    void serve() {
        while (!stop_) {
            int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) return;
            std::string data;
            char buf[8192];
            std::size_t head_end = std::string::npos, length = 0;
            for (;;) {
                ssize_t n = ::recv(c, buf, sizeof buf, 0);
                if (n <= 0) break;
                data.append(buf, static_cast<std::size_t>(n));
                if (head_end == std::string::npos &&
                    (head_end = data.find("\r\n\r\n")) != std::string::npos) {
                    std::string head = data.substr(0, head_end);
                    for (auto& ch : head) ch = static_cast<char>(std::tolower(ch));
                    auto at = head.find("content-length:");
                    if (at != std::string::npos) length = std::stoul(head.substr(at + 15));
                }
                if (head_end != std::string::npos && data.size() >= head_end + 4 + length) break;
            }
            if (head_end != std::string::npos) {
                host::InboundCall call;
                std::size_t line = data.find("\r\n") + 2;
                while (line < head_end) {
                    std::size_t eol = data.find("\r\n", line);
                    std::string h = data.substr(line, eol - line);
                    auto colon = h.find(':');
                    call.headers.emplace_back(h.substr(0, colon), h.substr(colon + 2));
                    line = eol + 2;
                }
                call.body = data.substr(head_end + 4, length);
                std::lock_guard lock(mutex_);
                calls_.push_back(std::move(call));
            }
            const char* ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            ::send(c, ok, std::strlen(ok), MSG_NOSIGNAL);
            ::close(c);
        }
    }

    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    std::mutex mutex_;
    std::vector<host::InboundCall> calls_;
};

std::string content_type(const host::InboundCall& c) {
    for (const auto& [n, v] : c.headers)
        if (n == "Content-Type" || n == "content-type") return v;
    return "";
}

class SendGridInbound : public ::testing::TestWithParam<host::Isolation> {};

}  // namespace

// The emulator calls back like SendGrid (signed batches, a reply by Inbound Parse), and the
// plugin, given those requests, reads them into the events of the message it sent.
TEST_P(SendGridInbound, TheEmulatorsCallbacksReadBackAsTheMessagesEvents) {
    CallbackCatcher catcher;
    SandboxedPlugin sg("sendgrid",
                       {{"callback_url", catcher.url()},
                        {"auto_events",
                         {{{"to", "*@bounce.test"}, {"event", "bounce"}},
                          {{"to", "ana@*"}, {"event", "reply"}, {"text", "Call me"}}}}},
                       json::object(), GetParam());
    ASSERT_NE(sg.plugin, nullptr);
    ASSERT_TRUE(sg.plugin->has_inbound());
    json ana = {{"to", "ana@acme.io"},
                {"from", "sam@relance-demo.test"},
                {"subject", "Hi"},
                {"text", "Hello"}};
    ASSERT_EQ(sg.invoke("send", ana, "r_aa.intro.1").status, host::ActionOutcome::Status::ok);
    json bob = {{"to", "bob@bounce.test"},
                {"from", "sam@relance-demo.test"},
                {"subject", "Hi"},
                {"text", "Hello"}};
    ASSERT_EQ(sg.invoke("send", bob, "r_bb.intro.1").status, host::ActionOutcome::Status::ok);
    ASSERT_TRUE(test::eventually([&] { return catcher.calls().size() == 3; }))
        << catcher.calls().size();

    std::map<std::string, std::string> seen;  // type -> message id
    for (auto call : catcher.calls()) {
        InboundOutcome out = sg.plugin->receive(call);
        ASSERT_EQ(out.status, InboundOutcome::Status::ok) << out.error;
        for (const auto& e : out.events) seen[e.type + " " + e.contact] = e.message_id;
        if (content_type(call).rfind("application/json", 0) == 0) {
            EXPECT_EQ(out.ignored, 1u);  // processed
            // The same batch with one byte changed is refused, whatever isolation.
            call.body[call.body.find("sandbox.")] = 'S';
            InboundOutcome forged = sg.plugin->receive(call);
            EXPECT_EQ(forged.status, InboundOutcome::Status::unauthorized) << forged.error;
            EXPECT_TRUE(forged.events.empty());
        } else {
            // Inbound Parse without its credentials is refused.
            call.headers.erase(std::remove_if(call.headers.begin(), call.headers.end(),
                                              [](const auto& h) {
                                                  return h.first == "Authorization" ||
                                                         h.first == "authorization";
                                              }),
                               call.headers.end());
            InboundOutcome refused = sg.plugin->receive(call);
            EXPECT_EQ(refused.status, InboundOutcome::Status::unauthorized) << refused.error;
            call.headers.emplace_back("Authorization",
                                      "Basic " + sdk::base64_encode("sendgrid:wrong"));
            EXPECT_EQ(sg.plugin->receive(call).status, InboundOutcome::Status::unauthorized);
        }
    }
    EXPECT_EQ(seen,
              (std::map<std::string, std::string>{{"delivered ana@acme.io", "r_aa.intro.1"},
                                                  {"replied ana@acme.io", "r_aa.intro.1"},
                                                  {"bounced bob@bounce.test", "r_bb.intro.1"}}));
}

TEST_P(SendGridInbound, AnUnknownMediaTypeIsMalformedAndAPluginWithoutTheRoleSaysSo) {
    SandboxedPlugin sg("sendgrid", json::object(), json::object(), GetParam());
    host::InboundCall call;
    call.headers = {{"Content-Type", "text/plain"}};
    call.body = std::string("\0\xff binary", 9);
    InboundOutcome out = sg.plugin->receive(call);
    EXPECT_EQ(out.status, InboundOutcome::Status::invalid) << out.error;
    EXPECT_EQ(out.field, "headers.content-type");
    // A JSON body without a signature.
    call.headers = {{"Content-Type", "application/json"}};
    call.body = "[]";
    EXPECT_EQ(sg.plugin->receive(call).status, InboundOutcome::Status::unauthorized);

    SandboxedPlugin noop("noop", json::object(), json::object(), GetParam());
    ASSERT_NE(noop.plugin, nullptr);
    EXPECT_FALSE(noop.plugin->has_inbound());
    EXPECT_EQ(noop.plugin->receive(call).status, InboundOutcome::Status::no_role);
}

INSTANTIATE_TEST_SUITE_P(BothIsolations, SendGridInbound,
                         ::testing::Values(host::Isolation::in_process, host::Isolation::process),
                         [](const auto& info) {
                             return info.param == host::Isolation::in_process
                                        ? std::string("InProcess")
                                        : std::string("Process");
                         });
