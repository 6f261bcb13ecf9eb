// The neon level's ceiling loops (Advanced SIMD, every AArch64 CPU: no extra flags). Each
// empty asm makes an operand opaque, so no two products of a step can be merged.
#include <arm_neon.h>

#include "ceiling_loops.hpp"

namespace bitla_bench::loops {
namespace {

struct Q {
    using reg = uint64x2_t;
    static reg zero() { return vdupq_n_u64(0); }
    static reg load(const char* p) { return vreinterpretq_u64_u8(vld1q_u8(reinterpret_cast<const std::uint8_t*>(p))); }
    static reg add(reg a, reg b) { return vaddq_u64(a, b); }
    static std::uint64_t sum(reg r) { return vaddvq_u64(r); }
};

// smull + smull2 + sadalp: 16 s8·s8 MACs into int32 lanes per accumulator, 8 accumulators.
std::uint64_t int8_smull(const std::uint64_t* w, std::size_t steps) {
    int8x16_t q = vld1q_s8(reinterpret_cast<const std::int8_t*>(w));
    const int8x16_t x = vld1q_s8(reinterpret_cast<const std::int8_t*>(w + 2));
    int32x4_t acc[8];
    for (auto& a : acc) a = vdupq_n_s32(0);
    for (std::size_t s = 0; s < steps; ++s)
        for (auto& a : acc) {
            a = vpadalq_s16(a, vmull_s8(vget_low_s8(q), vget_low_s8(x)));
            a = vpadalq_s16(a, vmull_high_s8(q, x));
            __asm__("" : "+w"(q));
        }
    std::uint64_t t = 0;
    for (const auto& a : acc) t += static_cast<std::uint32_t>(vaddvq_s32(a));
    return t;
}

// cnt + uadalp: 3 broadcast words of `a` against 2 registers, 6 accumulators, 6 x 128 MACs.
// The uint16 lanes may wrap on long runs: the sum is only a checksum.
std::uint64_t xor_cnt(const std::uint64_t* a, std::size_t steps) {
    const uint64x2_t b[2] = {vld1q_u64(a + 8), vld1q_u64(a + 10)};
    uint16x8_t acc[6];
    for (auto& r : acc) r = vdupq_n_u16(0);
    for (std::size_t s = 0; s < steps; ++s) {
        const std::uint64_t* p = a + (s & 127) * 4;
        for (int i = 0; i < 3; ++i) {
            const uint64x2_t ai = vdupq_n_u64(p[i]);
            for (int j = 0; j < 2; ++j)
                acc[2 * i + j] = vpadalq_u8(acc[2 * i + j], vcntq_u8(vreinterpretq_u8_u64(veorq_u64(ai, b[j]))));
        }
    }
    std::uint64_t t = 0;
    for (const auto& r : acc) t += vaddlvq_u16(r);
    return t;
}

}  // namespace

Level neon() {
    Level l;
    l.read = read_lines<Q>;
    l.load = "128-bit ld1";
    l.int8_dot[0] = {int8_smull, 8 * 16, "smull + smull2 + sadalp (s8*s8 into int32)"};
    l.xor_popcount[0] = {xor_cnt, 6 * 128, "eor + cnt + uadalp"};
    return l;
}

}  // namespace bitla_bench::loops
