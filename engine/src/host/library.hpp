// Opening a plugin library: an absolute path, an ELF file, dlopen with RTLD_NOW, the entry
// symbol, the ABI version, the table (copied up to the plugin's struct_size) and the manifest.
// Done by the worker for an in-process plugin and by `relance plugin-host` for one served out of
// process, with the same checks and the same refusal texts.
#pragma once

#include <relance/plugin.h>

#include <boost/dll/shared_library.hpp>  // with BOOST_DLL_USE_STD_FS, set by CMake
#include <filesystem>

#include "manifest.hpp"

namespace relance::host::detail {

struct Library {
    // First member: unloaded last, after whatever the plugin created (pitfall 4).
    boost::dll::shared_library handle;
    std::filesystem::path file;
    rl_plugin table{};  // members past the plugin's struct_size are NULL
    CompiledManifest manifest;

    bool has_sandbox() const { return table.sandbox_create != nullptr; }
    bool has_reconcile() const { return table.reconcile != nullptr; }
    bool has_inbound() const { return table.parse_webhook != nullptr; }
};

// Throws Refused with the reason ("not a shared library (no ELF header)", "plugin ABI version
// 99, this host supports 1", "invalid manifest: ...").
std::unique_ptr<Library> open_library(const std::filesystem::path& absolute_file);

}  // namespace relance::host::detail
