// stop_recorder: another process that stops contacts at random moments while a worker sends,
// for the "a stop always wins" stress test. For each stop it prints, once the stop is committed,
// "<email> <kind> <unix ms after the commit returned>".
//
//   stop_recorder DB CONTACTS_FILE COUNT SEED MAX_GAP_MS
//
// kind: replied (an event), unsubscribed (an event and its suppression), suppressed (an
// operator's suppression of the address).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <relance/runtime/contact_events.hpp>
#include <relance/store/store.hpp>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
    if (argc != 6) {
        std::fprintf(stderr, "usage: stop_recorder DB CONTACTS COUNT SEED MAX_GAP_MS\n");
        return 64;
    }
    auto store = relance::store::open_sqlite(argv[1]);
    std::vector<std::string> contacts;
    std::ifstream in(argv[2]);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) contacts.push_back(line);
    int count = std::stoi(argv[3]);
    std::mt19937_64 rng(std::stoull(argv[4]));
    int max_gap = std::stoi(argv[5]);
    std::uniform_int_distribution<std::size_t> pick(0, contacts.size() - 1);
    std::uniform_int_distribution<int> gap(0, max_gap), kind(0, 2);
    relance::SystemClock clock;
    for (int i = 0; i < count; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(gap(rng)));
        const std::string& email = contacts[pick(rng)];
        int k = kind(rng);
        const char* name = k == 0 ? "replied" : k == 1 ? "unsubscribed" : "suppressed";
        std::string why;
        if (k == 2)
            relance::runtime::suppress(*store, email, "operator", "stress test", clock, &why);
        else
            relance::runtime::record_contact_event(*store, email, name, "", 0,
                                                   nlohmann::json::object(), clock);
        std::printf("%s %s %lld\n", email.c_str(), name,
                    static_cast<long long>(relance::to_unix_ms(clock.now())));
        std::fflush(stdout);
    }
    return 0;
}
