// The version every executable prints on --version: the CMake project version, given to the few
// sources that print it as CUSTOS_VERSION (set_source_files_properties), so that bumping it
// recompiles only them.
#pragma once

#include <string_view>

#ifndef CUSTOS_VERSION
#error "CUSTOS_VERSION is defined by CMake for the sources that print the version"
#endif

namespace custos {

inline constexpr std::string_view version = CUSTOS_VERSION;

}  // namespace custos
