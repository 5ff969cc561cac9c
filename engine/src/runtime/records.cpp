#include <relance/runtime/records.hpp>

#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace relance::runtime {

using json = nlohmann::json;

namespace {

// Splits CSV text into rows of fields (RFC 4180: quoted fields, doubled quotes, newlines inside
// quotes). Records the line each row starts on.
std::vector<std::pair<std::size_t, std::vector<std::string>>> csv_rows(std::istream& in,
                                                                      const std::string& name) {
    std::vector<std::pair<std::size_t, std::vector<std::string>>> rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false, field_started = false;
    std::size_t line = 1, row_line = 1;
    char c;
    auto end_field = [&] {
        row.push_back(std::move(field));
        field.clear();
        field_started = false;
    };
    auto end_row = [&] {
        end_field();
        bool blank = row.size() == 1 && row[0].empty();
        if (!blank) rows.emplace_back(row_line, std::move(row));
        row.clear();
    };
    while (in.get(c)) {
        if (quoted) {
            if (c == '"') {
                if (in.peek() == '"') {
                    in.get(c);
                    field += '"';
                } else {
                    quoted = false;
                }
            } else {
                if (c == '\n') ++line;
                field += c;
            }
            continue;
        }
        if (c == '"' && !field_started) {
            quoted = true;
            field_started = true;
        } else if (c == ',') {
            end_field();
        } else if (c == '\r') {
            continue;
        } else if (c == '\n') {
            end_row();
            row_line = ++line;
        } else {
            field += c;
            field_started = true;
        }
    }
    if (quoted)
        throw std::runtime_error(name + ":" + std::to_string(row_line) +
                                 ": unterminated quoted field");
    if (field_started || !row.empty()) end_row();
    return rows;
}

}  // namespace

Records read_csv(std::istream& in, const std::string& name) {
    auto rows = csv_rows(in, name);
    Records out;
    if (rows.empty()) return out;
    std::vector<std::string> header = rows[0].second;
    for (auto& h : header) {
        while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.pop_back();
        while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.erase(0, 1);
    }
    if (!header.empty() && header[0].rfind("\xEF\xBB\xBF", 0) == 0) header[0].erase(0, 3);
    for (std::size_t r = 1; r < rows.size(); ++r) {
        const auto& [line, fields] = rows[r];
        if (fields.size() != header.size())
            throw std::runtime_error(name + ":" + std::to_string(line) + ": expected " +
                                     std::to_string(header.size()) + " fields (as in the " +
                                     "header), found " + std::to_string(fields.size()));
        json rec = json::object();
        for (std::size_t i = 0; i < header.size(); ++i) rec[header[i]] = fields[i];
        out.records.push_back(std::move(rec));
        out.where.push_back(name + ":" + std::to_string(line));
    }
    return out;
}

Records read_json(std::istream& in, const std::string& name) {
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Records out;
    json doc = json::parse(text, nullptr, false);
    if (!doc.is_discarded()) {
        if (doc.is_object()) doc = json::array({doc});
        if (!doc.is_array()) throw std::runtime_error(name + ": expected an object or an array");
        for (std::size_t i = 0; i < doc.size(); ++i) {
            if (!doc[i].is_object())
                throw std::runtime_error(name + ": record " + std::to_string(i + 1) +
                                         " is not an object");
            out.records.push_back(doc[i]);
            out.where.push_back(name + " record " + std::to_string(i + 1));
        }
        return out;
    }
    // JSON lines: one object per line.
    std::istringstream lines(text);
    std::string line;
    std::size_t n = 0;
    while (std::getline(lines, line)) {
        ++n;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        try {
            json rec = json::parse(line);
            if (!rec.is_object()) throw std::runtime_error("not an object");
            out.records.push_back(std::move(rec));
            out.where.push_back(name + ":" + std::to_string(n));
        } catch (const std::exception& e) {
            throw std::runtime_error(name + ":" + std::to_string(n) + ": invalid JSON: " +
                                     e.what());
        }
    }
    return out;
}

Records read_records(const std::string& path) {
    auto ends_with = [&](const std::string& suffix) {
        return path.size() >= suffix.size() &&
               path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (path == "-") {
        std::string text((std::istreambuf_iterator<char>(std::cin)),
                         std::istreambuf_iterator<char>());
        auto first = text.find_first_not_of(" \t\r\n");
        std::istringstream in(text);
        if (first != std::string::npos && (text[first] == '{' || text[first] == '['))
            return read_json(in, "stdin");
        return read_csv(in, "stdin");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot open");
    if (ends_with(".json") || ends_with(".jsonl") || ends_with(".ndjson"))
        return read_json(in, path);
    return read_csv(in, path);
}

}  // namespace relance::runtime
