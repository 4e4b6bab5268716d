// Where the external test vectors live, and a loader that fails (never skips) when one is missing.
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace custos::test {

inline std::string vector_path(const std::string& relative) {
    return std::string(CUSTOS_VECTORS_DIR) + "/" + relative;
}

// Reads a vector file whole. A missing or empty file fails the calling test.
inline std::string read_vector(const std::string& relative) {
    std::ifstream in(vector_path(relative), std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "vector file missing: " << vector_path(relative));
    std::ostringstream content;
    content << in.rdbuf();
    std::string text = content.str();
    REQUIRE_MESSAGE(!text.empty(), "vector file empty: " << vector_path(relative));
    return text;
}

}  // namespace custos::test
