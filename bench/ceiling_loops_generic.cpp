// The generic level's ceiling loops: plain C++ at the binary's baseline flags, what
// kernels/generic/ compiles to in this binary (the compiler picks the vector width).
#include <bit>
#include <cstring>

#include "ceiling_loops.hpp"

namespace bitla_bench::loops {
namespace {

struct Words {
    using reg = std::uint64_t;
    static reg zero() { return 0; }
    static reg load(const char* p) {
        reg r;
        std::memcpy(&r, p, sizeof r);
        return r;
    }
    static reg add(reg a, reg b) { return a + b; }
    static std::uint64_t sum(reg r) { return r; }
};

// u8·s8 products into 16 int32 sums, 64 per step from an L1-resident table.
std::uint64_t int8_dot(const std::uint64_t* words, std::size_t steps) {
    unsigned char bytes[4096];
    std::memcpy(bytes, words, sizeof bytes);
    std::int32_t acc[16] = {};
    for (std::size_t s = 0; s < steps; ++s) {
        const unsigned char* q = bytes + (s & 31) * 64;
        const unsigned char* x = bytes + 2048 + (s & 31) * 64;
        for (int j = 0; j < 64; ++j) acc[j & 15] += std::int32_t{q[j]} * std::int32_t{static_cast<signed char>(x[j])};
    }
    std::uint64_t t = 0;
    for (auto v : acc) t += static_cast<std::uint32_t>(v);
    return t;
}

// 16 word pairs per step: xor, popcount, add (no POPCNT instruction at baseline flags).
std::uint64_t xor_popcount(const std::uint64_t* a, std::size_t steps) {
    std::uint64_t acc[16] = {};
    for (std::size_t s = 0; s < steps; ++s) {
        const std::uint64_t* p = a + (s & 63) * 8;
        for (int i = 0; i < 8; ++i)
            for (int j = 0; j < 2; ++j) acc[2 * i + j] += static_cast<std::uint64_t>(std::popcount(p[i] ^ a[j]));
    }
    std::uint64_t t = 0;
    for (auto v : acc) t += v;
    return t;
}

}  // namespace

Level generic() {
    Level l;
    l.read = read_lines<Words>;
    l.load = "64-bit words (compiler-vectorised)";
    l.int8_dot[0] = {int8_dot, 64, "plain C++ u8*s8 into int32"};
    l.xor_popcount[0] = {xor_popcount, 16 * 64, "plain C++ xor + std::popcount + add"};
    return l;
}

}  // namespace bitla_bench::loops
