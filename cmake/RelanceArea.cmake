# relance_area(NAME DEPS dep...): a static library made of every .cpp in the calling folder.
# Keeping the list implicit lets each area grow without touching the build files.
function(relance_area NAME)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  if(NOT NAME STREQUAL "relance_base")
    list(APPEND ARG_DEPS relance_base)  # the clock, digests and UTF-8 are below every area
  endif()
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(NOT sources)  # an area not written yet: headers only
    add_library(${NAME} INTERFACE)
    target_include_directories(${NAME} INTERFACE ${PROJECT_SOURCE_DIR}/engine/include)
    target_link_libraries(${NAME} INTERFACE nlohmann_json::nlohmann_json ${ARG_DEPS})
    return()
  endif()
  add_library(${NAME} STATIC ${sources})
  target_include_directories(${NAME} PUBLIC ${PROJECT_SOURCE_DIR}/engine/include
                                     PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(${NAME} PUBLIC nlohmann_json::nlohmann_json ${ARG_DEPS})
endfunction()
