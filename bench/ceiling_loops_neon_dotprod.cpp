// The neon_dotprod level's ceiling loop (compiled with its flags: bench/CMakeLists.txt):
// sdot, 16 s8·s8 MACs into int32 lanes per instruction.
#include <arm_neon.h>

#include "ceiling_loops.hpp"

namespace bitla_bench::loops {
namespace {

// acc += the s8·s8 dot products of q and x, the accumulator tied so it stays in its register.
inline void dp(int32x4_t& acc, int8x16_t q, int8x16_t x) {
    __asm__("sdot %0.4s, %1.16b, %2.16b" : "+w"(acc) : "w"(q), "w"(x));
}

// 12 independent accumulators, 12 x 16 MACs per step; named, not an array, so they stay in
// registers.
std::uint64_t int8_sdot(const std::uint64_t* w, std::size_t steps) {
    const int8x16_t q = vld1q_s8(reinterpret_cast<const std::int8_t*>(w));
    const int8x16_t x = vld1q_s8(reinterpret_cast<const std::int8_t*>(w + 2));
    int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
    int32x4_t a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
    for (std::size_t s = 0; s < steps; ++s) {
        dp(a0, q, x), dp(a1, q, x), dp(a2, q, x), dp(a3, q, x), dp(a4, q, x), dp(a5, q, x);
        dp(a6, q, x), dp(a7, q, x), dp(a8, q, x), dp(a9, q, x), dp(a10, q, x), dp(a11, q, x);
    }
    const int32x4_t sum = vaddq_s32(vaddq_s32(vaddq_s32(vaddq_s32(a0, a1), vaddq_s32(a2, a3)),
                                              vaddq_s32(vaddq_s32(a4, a5), vaddq_s32(a6, a7))),
                                    vaddq_s32(vaddq_s32(a8, a9), vaddq_s32(a10, a11)));
    return static_cast<std::uint32_t>(vaddvq_s32(sum));
}

}  // namespace

Level neon_dotprod() {
    Level l;
    l.int8_dot[0] = {int8_sdot, 12 * 16, "sdot"};
    return l;
}

}  // namespace bitla_bench::loops
