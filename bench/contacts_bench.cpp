// The cost of contact normalisation (Google Benchmark): build/bin/contacts_bench. Each
// iteration normalises 1,000 different inputs, so items_per_second says how long a million take
// (an import of a million leads normalises each email and phone once).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "relance/contacts/normalize.hpp"

namespace {

using relance::contacts::normalize_email;
using relance::contacts::normalize_phone;

constexpr int kBatch = 1000;

std::string two(int n) {
    return std::to_string(n / 10 % 10) + std::to_string(n % 10);
}

std::vector<std::string> ascii_emails() {
    std::vector<std::string> out;
    for (int i = 0; i < kBatch; ++i)
        out.push_back(" First.Last" + std::to_string(i) + "@Acme-" + std::to_string(i % 50) +
                      ".example.com ");
    return out;
}

std::vector<std::string> idn_emails() {
    std::vector<std::string> out;
    for (int i = 0; i < kBatch; ++i)
        out.push_back("Anna" + std::to_string(i) +
                      "@M\xC3\x9C"
                      "LLER-" +
                      std::to_string(i % 50) + ".de");
    return out;
}

// French mobiles, international form: "+33 6 12 34 56 78".
std::vector<std::string> international_phones() {
    std::vector<std::string> out;
    for (int i = 0; i < kBatch; ++i)
        out.push_back("+33 6 12 " + two(i / 100) + " " + two(i / 10) + " " + two(i));
    return out;
}

// French mobiles, national form read with the default country: "06 12 34 56 78".
std::vector<std::string> national_phones() {
    std::vector<std::string> out;
    for (int i = 0; i < kBatch; ++i)
        out.push_back("06.12." + two(i / 100) + "." + two(i / 10) + "." + two(i));
    return out;
}

template <typename Normalize>
void run(benchmark::State& state, const std::vector<std::string>& inputs, Normalize normalize) {
    std::size_t valid = 0;
    for (auto _ : state)
        for (const auto& text : inputs) valid += normalize(text).has_value();
    if (valid != inputs.size() * static_cast<std::size_t>(state.iterations()))
        state.SkipWithError("an input did not normalise");
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(inputs.size()));
}

void BM_EmailAscii(benchmark::State& state) {
    run(state, ascii_emails(), [](const std::string& s) { return normalize_email(s); });
}
BENCHMARK(BM_EmailAscii);

void BM_EmailIdn(benchmark::State& state) {
    run(state, idn_emails(), [](const std::string& s) { return normalize_email(s); });
}
BENCHMARK(BM_EmailIdn);

void BM_PhoneInternational(benchmark::State& state) {
    run(state, international_phones(), [](const std::string& s) { return normalize_phone(s, ""); });
}
BENCHMARK(BM_PhoneInternational);

void BM_PhoneNational(benchmark::State& state) {
    run(state, national_phones(), [](const std::string& s) { return normalize_phone(s, "FR"); });
}
BENCHMARK(BM_PhoneNational);

}  // namespace

BENCHMARK_MAIN();
