// The simulator's only source of randomness: xoshiro256** seeded through splitmix64 from the
// run's seed, so one 64-bit number replays a whole run.
#pragma once

#include <array>
#include <cstdint>

namespace custos::sim {

class Rng {
public:
    explicit Rng(std::uint64_t seed) {
        for (auto& word : state_)
            word = splitmix64(seed);
    }

    std::uint64_t next() {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t shifted = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= shifted;
        state_[3] = rotl(state_[3], 45);
        return result;
    }
    // Uniform in [0, bound); bound > 0. The tiny modulo bias does not matter for a simulator.
    std::uint64_t below(std::uint64_t bound) { return next() % bound; }
    std::int64_t range(std::int64_t low, std::int64_t high) {  // Inclusive.
        return low + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(high - low) + 1));
    }
    double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    bool chance(double probability) { return unit() < probability; }

private:
    static std::uint64_t rotl(std::uint64_t value, int shift) {
        return (value << shift) | (value >> (64 - shift));
    }
    static std::uint64_t splitmix64(std::uint64_t& state) {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

    std::array<std::uint64_t, 4> state_{};
};

}  // namespace custos::sim
