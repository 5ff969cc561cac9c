// CSV records on any bytes, in every encoding and with each delimiter (the first byte picks
// them), then coerced to typed inputs: each record is read or reported, or the input stops with
// an InputError; anything else (a crash, a sanitizer report, a hang, memory past the record
// limit) is a bug.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <relance/model/inputs.hpp>
#include <relance/runtime/records.hpp>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace relance;
    static const model::Workflow wf = model::load_workflow_text(R"(name: f
version: 1
inputs:
  email: {type: string, required: true}
  n: integer
  x: number
  ok: boolean
  meta: object
  tags: array
steps:
  - wait: 1d
)",
                                                                "f.yaml");
    if (size == 0) return 0;
    runtime::ReadOptions options;
    static const runtime::TextEncoding encodings[] = {
        runtime::TextEncoding::detect, runtime::TextEncoding::utf8,
        runtime::TextEncoding::utf16,  runtime::TextEncoding::utf16be,
        runtime::TextEncoding::cp1252, runtime::TextEncoding::latin1};
    options.encoding = encodings[data[0] % 6];
    static const char delimiters[] = {0, ',', ';', '\t'};
    options.delimiter = delimiters[(data[0] / 6) % 4];
    options.limits.max_record_bytes = 4096;
    options.limits.max_columns = 64;
    options.limits.max_records = 1000;
    auto in = std::make_unique<std::istringstream>(
        std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
    auto reader = runtime::csv_records(std::move(in), "fuzz.csv", options);
    try {
        runtime::InputRecord r;
        while (reader->next(r)) {
            if (!r.problem.empty()) continue;
            std::vector<model::InputProblem> problems;
            model::coerce_inputs(wf, r.value, problems);
        }
    } catch (const runtime::InputError&) {
    }
    return 0;
}
