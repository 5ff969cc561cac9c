// Bounded YAML: the checks of relance/model/yaml_document.hpp. yaml-cpp builds aliases as shared
// nodes, so a loader walking the tree would expand them: a self-referential alias never ends,
// and ten aliases of ten aliases of ... become billions of nodes. The checks below run on the
// parser's events, where an alias is one event, and compute what the expansion would cost
// without doing it.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <relance/base/utf8.hpp>
#include <relance/model/yaml_document.hpp>
#include <sstream>
#include <vector>

namespace relance::model {

namespace {

SourcePos at(const std::string& file, const YAML::Mark& m) {
    if (m.is_null() || m.line < 0) return SourcePos{file, 0, 0};
    return SourcePos{file, m.line + 1, m.column + 1};
}

[[noreturn]] void refuse(const SourcePos& p, std::string message) {
    throw LoadError({Diagnostic{Diagnostic::Severity::error, p, std::move(message)}});
}

// Thrown from inside the parser's callbacks (which cannot return an error) and caught around
// it, so the parse stops at the first node over a limit.
struct OverLimit {
    YAML::Mark mark;
    std::string message;
};

// What one subtree costs once its aliases are expanded.
struct Cost {
    std::size_t nodes = 0;   // nodes, the subtree's root included
    std::size_t height = 0;  // collection levels below and including its root (a scalar: 0)
};

class BoundsCheck final : public YAML::EventHandler {
  public:
    explicit BoundsCheck(const YamlLimits& limits) : limits_(limits) {}

    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& m, YAML::anchor_t anchor) override { leaf(m, anchor); }
    void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor,
                  const std::string&) override {
        leaf(m, anchor);
    }
    void OnAlias(const YAML::Mark& m, YAML::anchor_t anchor) override {
        auto it = anchors_.find(anchor);
        if (it == anchors_.end()) {
            // Named by an open collection: the alias is inside the node it names.
            throw OverLimit{m, "this alias refers to a node that contains it (a cycle): "
                               "an alias may only name a node that is complete before it"};
        }
        add(m, it->second);
    }
    void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        open(m, anchor);
    }
    void OnSequenceEnd() override { close(); }
    void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        open(m, anchor);
    }
    void OnMapEnd() override { close(); }

  private:
    struct Frame {
        YAML::anchor_t anchor = 0;
        Cost cost;
    };

    void leaf(const YAML::Mark& m, YAML::anchor_t anchor) {
        Cost c{1, 0};
        if (anchor) anchors_[anchor] = c;
        add(m, c);
    }

    // Adds a finished subtree (a scalar, an expanded alias) to the collection being read.
    void add(const YAML::Mark& m, const Cost& c) {
        total_ = saturating_add(total_, c.nodes);
        if (total_ > limits_.max_nodes)
            throw OverLimit{m, "the document has more than " + std::to_string(limits_.max_nodes) +
                                   " nodes once its aliases are expanded"};
        if (stack_.size() + c.height > limits_.max_depth)
            throw OverLimit{m, "nested deeper than " + std::to_string(limits_.max_depth) +
                                   " levels" + (c.height ? " once this alias is expanded" : "")};
        if (stack_.empty()) return;
        Cost& parent = stack_.back().cost;
        parent.nodes = saturating_add(parent.nodes, c.nodes);
        parent.height = std::max(parent.height, c.height + 1);
    }

    void open(const YAML::Mark& m, YAML::anchor_t anchor) {
        total_ = saturating_add(total_, 1);
        if (total_ > limits_.max_nodes)
            throw OverLimit{m, "the document has more than " + std::to_string(limits_.max_nodes) +
                                   " nodes once its aliases are expanded"};
        if (stack_.size() + 1 > limits_.max_depth)
            throw OverLimit{m, "nested deeper than " + std::to_string(limits_.max_depth) +
                                   " levels"};
        // The anchor is not registered until the collection closes: an alias to it before then
        // is a cycle.
        if (anchor) anchors_.erase(anchor);
        stack_.push_back({anchor, Cost{1, 1}});
    }

    void close() {
        Frame f = stack_.back();
        stack_.pop_back();
        if (f.anchor) anchors_[f.anchor] = f.cost;
        if (stack_.empty()) return;
        Cost& parent = stack_.back().cost;
        parent.nodes = saturating_add(parent.nodes, f.cost.nodes);
        parent.height = std::max(parent.height, f.cost.height + 1);
    }

    static std::size_t saturating_add(std::size_t a, std::size_t b) {
        return a > SIZE_MAX - b ? SIZE_MAX : a + b;
    }

    const YamlLimits& limits_;
    std::vector<Frame> stack_;
    std::map<YAML::anchor_t, Cost> anchors_;  // complete anchored nodes
    std::size_t total_ = 0;                   // nodes so far, aliases expanded
};

std::string syntax_message(const YAML::Exception& e) {
    return e.msg.empty() ? std::string(e.what()) : e.msg;
}

}  // namespace

YAML::Node load_yaml_document(std::string_view text, const std::string& file,
                              const YamlLimits& limits) {
    if (text.size() > limits.max_bytes)
        refuse(SourcePos{file, 0, 0}, "the file is larger than " +
                                          std::to_string(limits.max_bytes) + " bytes (" +
                                          std::to_string(text.size()) + ")");
    if (auto bad = find_invalid_utf8(text)) {
        unsigned char byte = static_cast<unsigned char>(text[bad->offset]);
        bool utf16 = text.size() >= 2 && ((static_cast<unsigned char>(text[0]) == 0xFF &&
                                           static_cast<unsigned char>(text[1]) == 0xFE) ||
                                          (static_cast<unsigned char>(text[0]) == 0xFE &&
                                           static_cast<unsigned char>(text[1]) == 0xFF));
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", byte);
        refuse(SourcePos{file, bad->line, bad->column},
               std::string("the file is not valid UTF-8 (byte ") + hex + ")" +
                   (utf16 ? ": it is UTF-16; save it as UTF-8"
                          : ": save it as UTF-8 (it may be Latin-1 or Windows-1252)"));
    }
    std::string owned(text);
    try {
        std::istringstream in(owned);
        YAML::Parser parser(in);
        BoundsCheck check(limits);
        parser.HandleNextDocument(check);
    } catch (const OverLimit& e) {
        refuse(at(file, e.mark), e.message);
    } catch (const YAML::Exception& e) {
        refuse(at(file, e.mark), "YAML syntax error: " + syntax_message(e));
    }
    try {
        return YAML::Load(owned);
    } catch (const YAML::Exception& e) {
        refuse(at(file, e.mark), "YAML syntax error: " + syntax_message(e));
    }
}

std::string read_yaml_file(const std::string& path, const char* what, std::size_t max_bytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        refuse(SourcePos{path, 0, 0},
               std::string("cannot read ") + what + ": " + std::strerror(errno));
    std::string text;
    char buf[1 << 16];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        text.append(buf, static_cast<std::size_t>(in.gcount()));
        if (text.size() > max_bytes)
            refuse(SourcePos{path, 0, 0}, std::string("the ") + what + " is larger than " +
                                              std::to_string(max_bytes) + " bytes");
    }
    if (in.bad())
        refuse(SourcePos{path, 0, 0},
               std::string("cannot read ") + what + ": " + std::strerror(errno));
    return text;
}

}  // namespace relance::model
