#include "library.hpp"

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

namespace relance::host::detail {

namespace {

namespace fs = std::filesystem;

// Boost.DLL wraps dlerror() in boilerplate ("... failed (dlerror system message: X): Bad file
// descriptor", pitfall 3); the dlerror text is the useful part.
std::string dlerror_text(const std::string& what) {
    const std::string marker = "dlerror system message: ";
    auto begin = what.find(marker);
    if (begin == std::string::npos) return what;
    begin += marker.size();
    auto end = what.rfind("):");
    if (end == std::string::npos || end < begin) end = what.size();
    return what.substr(begin, end - begin);
}

bool has_elf_magic(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    char magic[4] = {};
    in.read(magic, 4);
    return in.gcount() == 4 && std::memcmp(magic,
                                           "\x7f"
                                           "ELF",
                                           4) == 0;
}

}  // namespace

std::unique_ptr<Library> open_library(const fs::path& file) {
    auto lib = std::make_unique<Library>();
    lib->file = file;
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) throw Refused("no such file");
    if (!has_elf_magic(file)) throw Refused("not a shared library (no ELF header)");
    try {
        lib->handle.load(file, boost::dll::load_mode::rtld_now);
    } catch (const std::exception& e) {
        std::string text = dlerror_text(e.what());
        if (text.find("undefined symbol") != std::string::npos)
            throw Refused("unresolved symbol: " + text);
        throw Refused("cannot load shared library: " + text);
    }
    if (!lib->handle.has(RELANCE_ENTRY_SYMBOL))
        throw Refused(std::string("missing ") + RELANCE_ENTRY_SYMBOL + " (not a relance plugin)");
    const rl_plugin* table = nullptr;
    try {
        auto entry = lib->handle.get<const rl_plugin*()>(RELANCE_ENTRY_SYMBOL);
        table = entry();
    } catch (const std::exception& e) {
        throw Refused(std::string(RELANCE_ENTRY_SYMBOL) + " threw: " + e.what());
    } catch (...) {
        throw Refused(std::string(RELANCE_ENTRY_SYMBOL) + " threw");
    }
    if (!table) throw Refused(std::string(RELANCE_ENTRY_SYMBOL) + " returned NULL");
    if (table->abi_version != RELANCE_ABI_VERSION)
        throw Refused("plugin ABI version " + std::to_string(table->abi_version) +
                      ", this host supports " + std::to_string(RELANCE_ABI_VERSION));
    constexpr size_t kMinSize = offsetof(rl_plugin, reconcile);
    if (table->struct_size < kMinSize)
        throw Refused("rl_plugin struct_size " + std::to_string(table->struct_size) +
                      " is too small (at least " + std::to_string(kMinSize) + ")");
    std::memcpy(&lib->table, table, std::min<size_t>(table->struct_size, sizeof(rl_plugin)));
    const rl_plugin& t = lib->table;
    if (!t.create || !t.destroy || !t.invoke)
        throw Refused("rl_plugin lacks create, destroy or invoke");
    bool any_sandbox = t.sandbox_create || t.sandbox_destroy || t.sandbox_handle;
    bool all_sandbox = t.sandbox_create && t.sandbox_destroy && t.sandbox_handle;
    if (any_sandbox && !all_sandbox)
        throw Refused("sandbox_create, sandbox_destroy and sandbox_handle go together");
    try {
        lib->manifest = parse_manifest(t.manifest_json);
    } catch (const Refused&) {
        throw;
    } catch (const std::exception& e) {
        throw Refused(std::string("invalid manifest: ") + e.what());
    }
    // The manifest is what an operator reads: it must say whether the plugin takes callbacks.
    bool declared = !lib->manifest.manifest.inbound->is_null();
    if (declared && !t.parse_webhook)
        throw Refused("the manifest declares \"inbound\" but parse_webhook is NULL");
    if (!declared && t.parse_webhook)
        throw Refused("parse_webhook is set but the manifest does not declare \"inbound\"");
    return lib;
}

}  // namespace relance::host::detail
