// Input records as users really have them: Excel's semicolons and Windows-1252, UTF-16 with a
// byte-order mark, blank lines, bad rows, hostile JSON. Each is read a record at a time, or
// refused with file:line:col; none crashes or holds more than one record in memory.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <relance/runtime/records.hpp>
#include <sstream>

#include "../support/process.hpp"

namespace relance::test {
namespace {

using json = nlohmann::json;
using runtime::InputError;
using runtime::InputRecord;
using runtime::ReadOptions;
using runtime::TextEncoding;

struct Read {
    std::vector<InputRecord> records;
    std::string error;  // the InputError that stopped the input, if any
};

Read read(const std::string& text, bool json_format = false, ReadOptions options = {},
          const std::string& name = "in.csv") {
    auto in = std::make_unique<std::istringstream>(text);
    auto reader = json_format ? runtime::json_records(std::move(in), name, options)
                              : runtime::csv_records(std::move(in), name, options);
    Read out;
    try {
        InputRecord r;
        while (reader->next(r)) out.records.push_back(r);
    } catch (const InputError& e) {
        out.error = e.what();
    }
    return out;
}

std::string utf16(const std::string& ascii, bool little_endian, bool bom = true) {
    std::string out;
    if (bom) out += little_endian ? "\xFF\xFE" : "\xFE\xFF";
    for (char c : ascii) {
        if (little_endian) {
            out += c;
            out += '\0';
        } else {
            out += '\0';
            out += c;
        }
    }
    return out;
}

// ---- CSV ----

TEST(Csv, ReadsRowsWithTheirLines) {
    auto r = read(
        "id,email,note\n1,a@x.test,\"hello, \"\"you\"\"\"\n2,b@x.test,\"two\nlines\"\n"
        "3,c@x.test,x\n");
    ASSERT_TRUE(r.error.empty()) << r.error;
    ASSERT_EQ(r.records.size(), 3u);
    EXPECT_EQ(*r.records[0].value,
              json({{"id", "1"}, {"email", "a@x.test"}, {"note", "hello, \"you\""}}));
    EXPECT_EQ((*r.records[1].value)["note"], "two\nlines");
    EXPECT_EQ(r.records[2].where, "in.csv:5");  // the quoted line break counts
}

TEST(Csv, DetectsSemicolonsAndTabsOrTakesTheDelimiter) {
    auto r = read("email;name;city\na@x.test;\"Doe, Ana\";Lyon\n");
    ASSERT_EQ(r.records.size(), 1u) << r.error;
    EXPECT_EQ((*r.records[0].value)["name"], "Doe, Ana");
    EXPECT_EQ((*r.records[0].value)["city"], "Lyon");
    r = read("email\tname\na@x.test\tAna\n");
    ASSERT_EQ(r.records.size(), 1u) << r.error;
    EXPECT_EQ((*r.records[0].value)["name"], "Ana");
    ReadOptions pipe;
    pipe.delimiter = '|';
    r = read("email|name\na@x.test|Ana, Bo\n", false, pipe);
    ASSERT_EQ(r.records.size(), 1u) << r.error;
    EXPECT_EQ((*r.records[0].value)["name"], "Ana, Bo");
}

TEST(Csv, SkipsBlankAndWhitespaceOnlyLines) {
    auto r =
        read("\n  \nemail,name\r\n\r\n   \t \r\na@x.test,Ana\r\n,\r\n  ,  \r\nb@x.test,Bo\r\n\n");
    ASSERT_TRUE(r.error.empty()) << r.error;
    ASSERT_EQ(r.records.size(), 2u);
    EXPECT_EQ(r.records[0].where, "in.csv:6");
    EXPECT_EQ(r.records[1].where, "in.csv:9");
    EXPECT_EQ((*r.records[1].value)["name"], "Bo");
}

TEST(Csv, ABadRowIsReportedByLineAndColumnAndTheOthersAreRead) {
    auto r = read("id,email\n1,a@x.test\n2,b@x.test,extra\n3,\"c@x.test\"oops\n4,d@x.test\n5\n");
    ASSERT_TRUE(r.error.empty()) << r.error;
    ASSERT_EQ(r.records.size(), 5u);
    EXPECT_EQ(r.records[1].where, "in.csv:3");
    EXPECT_EQ(r.records[1].problem, "column 12: expected 2 fields (as in the header), found 3");
    EXPECT_EQ(r.records[2].where, "in.csv:4");
    EXPECT_EQ(r.records[2].problem.rfind("column 13: unexpected 'o' after the closing quote of "
                                         "field 2",
                                         0),
              0u)
        << r.records[2].problem;
    EXPECT_TRUE(r.records[3].problem.empty());
    EXPECT_EQ(r.records[4].problem, "column 2: expected 2 fields (as in the header), found 1");
}

TEST(Csv, AQuoteThatNeverClosesStopsTheInputWhereItOpened) {
    auto r = read("id,email\n1,a@x.test\n2,\"b@x.test\n3,c@x.test\n");
    EXPECT_EQ(r.records.size(), 1u);
    EXPECT_EQ(r.error,
              "in.csv:3:1: a quoted field of the record starting on this line is never "
              "closed");
    ReadOptions small;
    small.limits.max_record_bytes = 100;
    r = read("id,email\n1,\"" + std::string(1000, 'x') + "\n", false, small);
    EXPECT_EQ(r.error,
              "in.csv:2: the record starting on this line is longer than 100 bytes (a "
              "quote that is never closed?)");
}

TEST(Csv, HeaderProblems) {
    auto r = read("email,name,email\na,b,c\n");
    EXPECT_EQ(r.error, "in.csv:1:12: column 'email' appears twice in the header");
    ReadOptions few;
    few.limits.max_columns = 3;
    r = read("a,b,c,d\n1,2,3,4\n", false, few);
    EXPECT_EQ(r.error, "in.csv:1: the header has 4 columns, more than 3");
    // An unnamed column (a trailing delimiter) is read and dropped.
    r = read(" email , name ,\na@x.test,Ana,\n");
    ASSERT_EQ(r.records.size(), 1u) << r.error;
    EXPECT_EQ(*r.records[0].value, json({{"email", "a@x.test"}, {"name", "Ana"}}));
}

// ---- encodings ----

TEST(Encodings, AByteOrderMarkIsDropped) {
    auto r = read("\xEF\xBB\xBF\"email\",name\na@x.test,Ana\n");
    ASSERT_EQ(r.records.size(), 1u) << r.error;
    EXPECT_EQ((*r.records[0].value)["email"], "a@x.test");
}

TEST(Encodings, Utf16WithItsByteOrderMarkIsConverted) {
    for (bool le : {true, false}) {
        auto r = read(utf16("email;name\r\na@x.test;Zo\r\n", le));
        ASSERT_EQ(r.records.size(), 1u) << r.error;
        EXPECT_EQ((*r.records[0].value)["name"], "Zo");
    }
    // "é" (U+00E9) in UTF-16LE.
    std::string text = utf16("email,name\na@x.test,Ren", true);
    text += std::string("\xE9\x00", 2);
    text += utf16("\n", true, false);
    auto r = read(text);
    ASSERT_EQ(r.records.size(), 1u) << r.error;
    EXPECT_EQ((*r.records[0].value)["name"], "Ren\xC3\xA9");
    // Without a byte-order mark, the zero bytes give it away.
    r = read(utf16("email\na@x.test\n", true, false));
    EXPECT_EQ(r.error,
              "in.csv:1:2: a NUL byte: the input may be UTF-16 without a byte-order mark "
              "(pass --encoding utf-16le or utf-16be)");
    ReadOptions le;
    le.encoding = TextEncoding::utf16le;
    r = read(utf16("email\na@x.test\n", true, false), false, le);
    ASSERT_EQ(r.records.size(), 1u) << r.error;
}

TEST(Encodings, Windows1252IsRefusedWithAHintOrConverted) {
    std::string text = "email,name\na@x.test,Ren\xE9\nb@x.test,\x80uro\n";
    auto r = read(text);
    EXPECT_TRUE(r.records.empty());
    EXPECT_EQ(r.error,
              "in.csv:2:13: not valid UTF-8 (byte 0xE9); a file saved by Excel or an "
              "older system is often Windows-1252: pass --encoding cp1252 (or latin1)");
    ReadOptions cp;
    cp.encoding = TextEncoding::cp1252;
    r = read(text, false, cp);
    ASSERT_EQ(r.records.size(), 2u) << r.error;
    EXPECT_EQ((*r.records[0].value)["name"], "Ren\xC3\xA9");
    EXPECT_EQ((*r.records[1].value)["name"],
              "\xE2\x82\xAC"
              "uro");  // 0x80 is the euro sign
    ReadOptions latin;
    latin.encoding = TextEncoding::latin1;
    r = read(text, false, latin);
    ASSERT_EQ(r.records.size(), 2u) << r.error;
    EXPECT_EQ((*r.records[1].value)["name"], "\xC2\x80uro");  // a C1 control in Latin-1
    // Bytes cp1252 leaves undefined.
    r = read("email\n\x81\n", false, cp);
    EXPECT_EQ(r.error, "in.csv:2:1: not valid Windows-1252 (bytes 0x81)");
}

TEST(Encodings, ACharacterSplitAcrossReadsIsKeptWhole) {
    // 70,000 "é" (two bytes each): the 64 KiB reads split one of them.
    std::string name;
    for (int i = 0; i < 70'000; ++i) name += "\xC3\xA9";
    auto r = read("name\n" + name + "\n");
    ASSERT_EQ(r.records.size(), 1u) << r.error;
    EXPECT_EQ((*r.records[0].value)["name"], name);
}

// ---- JSON ----

TEST(Json, ArraysObjectsAndLines) {
    auto r = read(R"([
  {"email": "a@x.test", "n": 1},
  {"email": "b@x.test", "tags": ["x", "]"]}
])",
                  true);
    ASSERT_EQ(r.records.size(), 2u) << r.error;
    EXPECT_EQ((*r.records[1].value)["tags"][1], "]");
    EXPECT_EQ(r.records[1].where, "in.csv:3");
    r = read("{\"email\": \"a@x.test\"}\n\n{\"email\": \"b@x.test\"}\n", true);
    ASSERT_EQ(r.records.size(), 2u) << r.error;
    EXPECT_EQ(r.records[1].where, "in.csv:3");
    r = read("  {\"email\": \"a@x.test\",\n   \"n\": 2}  ", true);
    ASSERT_EQ(r.records.size(), 1u) << r.error;
    EXPECT_EQ((*r.records[0].value)["n"], 2);
}

TEST(Json, BadRecordsAreReportedAndTheOthersRead) {
    auto r = read("{\"a\": 1}\nnot json\n{\"a\": }\n[1, 2]\n{\"a\": 3}\n", true);
    ASSERT_TRUE(r.error.empty()) << r.error;
    ASSERT_EQ(r.records.size(), 5u);
    EXPECT_EQ(r.records[1].problem,
              "not a JSON object (one object per line, or an array of "
              "objects)");
    EXPECT_EQ(r.records[2].problem.rfind("in.csv:3:7: invalid JSON: ", 0), 0u)
        << r.records[2].problem;
    EXPECT_EQ(r.records[3].problem, "a record must be a JSON object, got array");
    EXPECT_EQ((*r.records[4].value)["a"], 3);
    r = read("[{\"a\": 1}, 7, {\"a\": 2}]", true);
    ASSERT_EQ(r.records.size(), 3u) << r.error;
    EXPECT_EQ(r.records[1].problem, "a record must be a JSON object, got number");
}

TEST(Json, DeepNestingIsOneBadRecordNotACrash) {
    std::string deep = "{\"a\": " + std::string(60'000, '[') + std::string(60'000, ']') + "}";
    auto r = read("[" + deep + ", {\"ok\": true}]", true);
    ASSERT_TRUE(r.error.empty()) << r.error;
    ASSERT_EQ(r.records.size(), 2u);
    EXPECT_EQ(r.records[0].problem,
              "the record is nested deeper than 64 levels at line 1, "
              "column 70");
    EXPECT_EQ((*r.records[1].value)["ok"], true);
}

TEST(Json, LimitsOfARecordAndOfTheInput) {
    ReadOptions small;
    small.limits.max_record_bytes = 50;
    auto r = read("[{\"a\": \"" + std::string(200, 'x') + "\"}, {\"b\": 1}]", true, small);
    ASSERT_EQ(r.records.size(), 2u) << r.error;
    EXPECT_EQ(r.records[0].problem, "the record is larger than 50 bytes");
    EXPECT_EQ((*r.records[1].value)["b"], 1);
    ReadOptions few;
    few.limits.max_records = 2;
    r = read("{}\n{}\n{}\n", true, few);
    EXPECT_EQ(r.records.size(), 2u);
    EXPECT_EQ(r.error, "in.csv:3:1: more than 2 records in one input");
    r = read("[{\"a\": 1}, {\"b\": ", true);
    EXPECT_EQ(r.error, "in.csv:1:12: the JSON value starting here never ends");
    r = read("[{\"a\": 1}", true);
    EXPECT_EQ(r.error, "in.csv:1:1: the array opened here is never closed");
    r = read("[{\"a\": 1}] x", true);
    EXPECT_EQ(r.error, "in.csv:1:12: unexpected text after the closing ']' of the array");
}

TEST(Json, NotUtf8IsRefused) {
    auto r = read("{\"name\": \"Ren\xE9\"}\n", true);
    EXPECT_EQ(r.error.rfind("in.csv:1:14: not valid UTF-8 (byte 0xE9)", 0), 0u) << r.error;
}

// ---- files ----

TEST(Files, TheExtensionChoosesTheFormat) {
    TempDir dir;
    std::ofstream(dir / "a.jsonl") << "{\"email\": \"a@x.test\"}\n";
    std::ofstream(dir / "a.csv") << "email\na@x.test\n";
    for (const char* name : {"a.jsonl", "a.csv"}) {
        auto recs = runtime::read_records(dir / name);
        ASSERT_EQ(recs.records.size(), 1u) << name;
        EXPECT_EQ(recs.records[0]["email"], "a@x.test");
    }
    EXPECT_THROW(runtime::open_records(dir / "missing.csv"), InputError);
    std::ofstream(dir / "bad.csv") << "a,b\n1\n";
    try {
        runtime::read_records(dir / "bad.csv");
        ADD_FAILURE() << "a bad row read whole";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("bad.csv:2: column 2: expected 2 fields"),
                  std::string::npos)
            << e.what();
    }
}

TEST(Files, EncodingNames) {
    EXPECT_EQ(runtime::parse_encoding("UTF-8"), TextEncoding::utf8);
    EXPECT_EQ(runtime::parse_encoding("utf16"), TextEncoding::utf16);
    EXPECT_EQ(runtime::parse_encoding("UTF-16LE"), TextEncoding::utf16le);
    EXPECT_EQ(runtime::parse_encoding("windows-1252"), TextEncoding::cp1252);
    EXPECT_EQ(runtime::parse_encoding("ISO-8859-1"), TextEncoding::latin1);
    EXPECT_EQ(runtime::parse_encoding("ebcdic"), std::nullopt);
}

}  // namespace
}  // namespace relance::test
