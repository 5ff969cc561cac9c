# relance_add_plugin(NAME SOURCES src... [LIBRARIES lib...] [OUTPUT_DIRECTORY dir]
#                    [INSTALL_DIRECTORY dir] [NO_INSTALL])
#
# One call registers a plugin: a shared library named <NAME>.so (no "lib" prefix), exporting only
# relance_plugin_entry, linked with --no-undefined so a missing symbol fails at build time rather
# than at load time. Inside the relance tree it lands next to the relance binary's plugins.
# `cmake --install` puts it in <prefix>/lib/relance/plugins (component "plugins"), where an
# installed relance looks by default (<bindir>/../lib/relance/plugins).
function(relance_add_plugin NAME)
  cmake_parse_arguments(ARG "NO_INSTALL" "OUTPUT_DIRECTORY;INSTALL_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  add_library(${NAME} MODULE ${ARG_SOURCES})
  if(TARGET Relance::sdk)
    target_link_libraries(${NAME} PRIVATE Relance::sdk ${ARG_LIBRARIES})
  else()
    message(FATAL_ERROR "relance_add_plugin: Relance::sdk not found (find_package(RelanceSDK))")
  endif()
  set_target_properties(${NAME} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_compile_features(${NAME} PRIVATE cxx_std_17)
  target_link_options(${NAME} PRIVATE -Wl,--no-undefined)
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${NAME} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY})
  elseif(DEFINED RELANCE_PLUGIN_OUTPUT_DIR)
    set_target_properties(${NAME} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${RELANCE_PLUGIN_OUTPUT_DIR})
  endif()
  if(NOT ARG_INSTALL_DIRECTORY)
    set(ARG_INSTALL_DIRECTORY lib/relance/plugins)
  endif()
  if(NOT ARG_NO_INSTALL)
    install(TARGETS ${NAME} LIBRARY DESTINATION ${ARG_INSTALL_DIRECTORY} COMPONENT plugins)
  endif()
endfunction()
