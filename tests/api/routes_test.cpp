// Pure checks (no socket): path ids.
#include <doctest/doctest.h>

#include "api/routes.hpp"

namespace custos::api {

TEST_CASE("path ids: [A-Za-z0-9._:-]{1,128}, never . or ..") {
    CHECK(is_valid_path_id("NL-POL:case.2026_7"));
    CHECK(is_valid_path_id(std::string(128, 'a')));
    CHECK_FALSE(is_valid_path_id(std::string(129, 'a')));
    CHECK_FALSE(is_valid_path_id(""));
    CHECK_FALSE(is_valid_path_id("."));
    CHECK_FALSE(is_valid_path_id(".."));
    CHECK_FALSE(is_valid_path_id("a%2Fb"));
    CHECK_FALSE(is_valid_path_id("a b"));
    CHECK_FALSE(is_valid_path_id(std::string("a\0b", 3)));
}

}  // namespace custos::api
