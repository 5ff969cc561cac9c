#include "records_text.hpp"

#include <iconv.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <relance/base/utf8.hpp>
#include <vector>

namespace relance::runtime::detail {

namespace {

constexpr std::size_t kChunk = 64 * 1024;

// The name iconv knows an encoding by (nullptr: UTF-8, checked without iconv), and the name
// messages give it.
struct EncodingNames {
    const char* iconv;
    const char* shown;
};
EncodingNames names_of(TextEncoding e) {
    switch (e) {
        case TextEncoding::utf16le:
            return {"UTF-16LE", "UTF-16LE"};
        case TextEncoding::utf16be:
            return {"UTF-16BE", "UTF-16BE"};
        case TextEncoding::cp1252:
            return {"CP1252", "Windows-1252"};
        case TextEncoding::latin1:
            return {"ISO-8859-1", "Latin-1"};
        default:
            return {nullptr, "UTF-8"};
    }
}

std::string hex_byte(unsigned char b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", b);
    return buf;
}

// Where an incomplete UTF-8 character starts at the end of `s` (s.size() when none).
std::size_t complete_prefix(const std::string& s) {
    std::size_t n = s.size();
    for (std::size_t k = 1; k <= 3 && k <= n; ++k) {
        auto b = static_cast<unsigned char>(s[n - k]);
        if ((b & 0xC0) == 0x80) continue;  // a continuation byte: look further back
        std::size_t need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        return need > k ? n - k : n;
    }
    return n;
}

}  // namespace

void advance_position(std::string_view text, std::size_t& line, std::size_t& column) {
    std::size_t from = 0;
    std::size_t last_nl = text.rfind('\n');
    if (last_nl != std::string_view::npos) {
        const char* p = text.data();
        const char* end = text.data() + last_nl + 1;
        while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p))))) {
            ++line;
            ++p;
        }
        column = 1;
        from = last_nl + 1;
    }
    for (std::size_t i = from; i < text.size(); ++i)
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;
}

std::string place(const std::string& name, std::size_t line, std::size_t column) {
    return name + ":" + std::to_string(line) + ":" + std::to_string(column);
}

struct TextDecoder::Impl {
    std::unique_ptr<std::istream> in;
    std::string name;
    TextEncoding encoding;
    bool explicit_encoding = false;
    bool started = false;
    bool input_done = false;
    iconv_t cd = reinterpret_cast<iconv_t>(-1);
    std::string pending;   // input bytes not decoded yet
    std::size_t line = 1;  // position just after the text handed out so far
    std::size_t column = 1;
    std::vector<char> buf = std::vector<char>(kChunk);

    ~Impl() {
        if (cd != reinterpret_cast<iconv_t>(-1)) iconv_close(cd);
    }

    [[noreturn]] void fail(std::size_t l, std::size_t c, const std::string& what) const {
        throw InputError(place(name, l, c) + ": " + what);
    }

    // Position of byte `offset` of `text`, text starting at the current position.
    std::pair<std::size_t, std::size_t> position_in(std::string_view text,
                                                    std::size_t offset) const {
        std::size_t l = line, c = column;
        advance_position(text.substr(0, offset), l, c);
        return {l, c};
    }

    bool fill() {
        if (input_done) return false;
        in->read(buf.data(), static_cast<std::streamsize>(buf.size()));
        auto got = static_cast<std::size_t>(in->gcount());
        if (in->bad()) throw InputError(name + ": cannot read: " + std::strerror(errno));
        if (got == 0) {
            input_done = true;
            return false;
        }
        pending.append(buf.data(), got);
        return true;
    }

    void start() {
        started = true;
        while (pending.size() < 4 && fill()) {
        }
        auto starts = [&](const char* bom, std::size_t n) {
            return pending.size() >= n && std::memcmp(pending.data(), bom, n) == 0;
        };
        bool utf8_bom = starts("\xEF\xBB\xBF", 3);
        bool le = starts("\xFF\xFE", 2), be = starts("\xFE\xFF", 2);
        switch (encoding) {
            case TextEncoding::detect:
            case TextEncoding::utf8:
                if (utf8_bom) {
                    pending.erase(0, 3);
                } else if (encoding == TextEncoding::detect && (le || be)) {
                    encoding = le ? TextEncoding::utf16le : TextEncoding::utf16be;
                    pending.erase(0, 2);
                } else if (le || be) {
                    fail(1, 1, "the input starts with a UTF-16 byte-order mark, but was declared "
                               "UTF-8: pass --encoding utf-16");
                }
                if (encoding == TextEncoding::detect) encoding = TextEncoding::utf8;
                break;
            case TextEncoding::utf16:
                encoding = be ? TextEncoding::utf16be : TextEncoding::utf16le;
                if (le || be) pending.erase(0, 2);
                break;
            case TextEncoding::utf16le:
            case TextEncoding::utf16be:
                if ((encoding == TextEncoding::utf16le && le) ||
                    (encoding == TextEncoding::utf16be && be))
                    pending.erase(0, 2);
                break;
            case TextEncoding::cp1252:
            case TextEncoding::latin1:
                break;
        }
        if (const char* from = names_of(encoding).iconv) {
            cd = iconv_open("UTF-8", from);
            if (cd == reinterpret_cast<iconv_t>(-1))
                throw InputError(name + ": cannot convert from " + names_of(encoding).shown +
                                 ": " + std::strerror(errno));
        }
    }

    // Decodes what is pending into `out`; keeps an incomplete last character pending.
    void decode(std::string& out) {
        if (cd == reinterpret_cast<iconv_t>(-1)) {
            std::size_t keep = input_done ? pending.size() : complete_prefix(pending);
            out.assign(pending, 0, keep);
            pending.erase(0, keep);
            if (auto bad = find_invalid_utf8(out)) {
                auto [l, c] = position_in(out, bad->offset);
                unsigned char b = static_cast<unsigned char>(out[bad->offset]);
                fail(l, c, "not valid UTF-8 (byte " + hex_byte(b) + ")" +
                               (explicit_encoding
                                    ? std::string()
                                    : "; a file saved by Excel or an older system is often "
                                      "Windows-1252: pass --encoding cp1252 (or latin1)"));
            }
            return;
        }
        out.resize(pending.size() * 3 + 16);
        char* inp = pending.data();
        std::size_t inleft = pending.size();
        char* outp = out.data();
        std::size_t outleft = out.size();
        std::size_t r = iconv(cd, &inp, &inleft, &outp, &outleft);
        out.resize(out.size() - outleft);
        int err = r == static_cast<std::size_t>(-1) ? errno : 0;
        std::size_t consumed = pending.size() - inleft;
        if (err == EILSEQ) {
            auto [l, c] = position_in(out, out.size());
            std::string bytes = hex_byte(static_cast<unsigned char>(pending[consumed]));
            if (encoding == TextEncoding::utf16le || encoding == TextEncoding::utf16be)
                bytes += " " + hex_byte(static_cast<unsigned char>(
                                   consumed + 1 < pending.size() ? pending[consumed + 1] : 0));
            fail(l, c, std::string("not valid ") + names_of(encoding).shown + " (bytes " + bytes +
                           ")");
        }
        if (err == EINVAL && input_done) {
            auto [l, c] = position_in(out, out.size());
            fail(l, c, std::string("the input ends inside a ") + names_of(encoding).shown +
                           " character");
        }
        pending.erase(0, consumed);
    }
};

TextDecoder::TextDecoder(std::unique_ptr<std::istream> in, std::string name,
                         TextEncoding encoding)
    : impl_(std::make_unique<Impl>()), name_(std::move(name)) {
    impl_->in = std::move(in);
    impl_->name = name_;
    impl_->encoding = encoding;
    impl_->explicit_encoding = encoding != TextEncoding::detect;
}

TextDecoder::~TextDecoder() = default;

bool TextDecoder::read(std::string& out) {
    Impl& d = *impl_;
    out.clear();
    if (!d.started) d.start();
    while (true) {
        if (d.pending.size() < kChunk) d.fill();
        if (d.pending.empty()) return false;
        d.decode(out);
        if (!out.empty()) break;
        if (d.input_done) {
            if (!d.pending.empty()) {
                auto [l, c] = d.position_in(out, 0);
                d.fail(l, c, "the input ends inside a character");
            }
            return false;
        }
    }
    if (const void* nul = std::memchr(out.data(), '\0', out.size())) {
        auto [l, c] = d.position_in(out, static_cast<const char*>(nul) - out.data());
        d.fail(l, c, "a NUL byte: the input may be UTF-16 without a byte-order mark (pass "
                     "--encoding utf-16le or utf-16be)");
    }
    advance_position(out, d.line, d.column);
    return true;
}

}  // namespace relance::runtime::detail
