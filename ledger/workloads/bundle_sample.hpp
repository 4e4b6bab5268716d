// A sample store for measuring the bundle verifier (custos-dev bench verify): one item with a trail
// of a chosen length (a register, then access events), packed a chosen number of events per
// block, every block certified by all four validators. Keys come from fixed seeds, so the same
// options give the same chain byte for byte. Not for production: the keys are public.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "common/result.hpp"
#include "ledger/store/store.hpp"

namespace custos::ledger {

struct SampleTrailOptions {
    std::size_t events = 10;           // Events of the item, its register included (>= 1).
    std::size_t events_per_block = 1;  // >= 1
};

inline constexpr std::string_view sample_item = "SAMPLE-ITEM-1";

// Creates a store in `directory` (which must not hold one) and fills it.
[[nodiscard]] Result<Store> make_sample_trail_store(const std::filesystem::path& directory,
                                                    const SampleTrailOptions& options);

}  // namespace custos::ledger
