// bitla/kernels/neon/bit_ops.hpp — bit_ops for AArch64 Advanced SIMD (and, through their
// tags, neon_dotprod and neon_i8mm).
//
// popcount is vcntq_u8 (a bit count per byte) widened by pairwise adds (neon_dotprod: by
// udot with ones, the same accumulator form). An accumulator
// holds each 64-bit lane as the sum of its two 32-bit halves, so one word pair costs four
// instructions (eor, cnt, uaddlp to 16 bits, uadalp into the 32-bit halves) instead of the
// five a true 64-bit lane needs (docs/performance.md, "NEON throughput estimates").
// A half gains at most 32 per word; the drivers bound K below 2^31 (xnor_*: the int32
// check) or take it mod 2^32 (Hamming's uint32 distances), and 32-bit adds wrap the same
// way, so store_u32 and reduce give generic's results bit for bit for any K.
// 32 q registers: tile 4 x 8 = 16 accumulators, 4 operands, broadcasts and temporaries.
// 24 accumulators (4 x 12, 6 x 8) would fit, but GCC 12 then spills in the loop and the
// estimate gets worse, not better; 4 x 8 runs within 3% of the two vector pipes' bound.
#pragma once

#include "../bit_ops.hpp"

#if BITLA_FLAGS_NEON
#include <arm_neon.h>

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
struct neon_bit_ops {
    using reg = uint32x4_t;  // typed for the accumulators: reinterpreting them costs GCC 12 register moves
    static constexpr std::size_t lanes = 2, mr = 4, nr = 8;

    static reg zero() noexcept { return vdupq_n_u32(0); }
    static reg load(const std::uint64_t* p) noexcept { return vreinterpretq_u32_u64(vld1q_u64(p)); }
    static reg broadcast(const std::uint64_t* p) noexcept { return vreinterpretq_u32_u64(vld1q_dup_u64(p)); }
    static reg xor_popcount_add(reg acc, reg a, reg b) noexcept {
        return vpadalq_u16(acc, vpaddlq_u8(vcntq_u8(vreinterpretq_u8_u32(veorq_u32(a, b)))));
    }
    /// Each lane's two halves added (mod 2^32).
    static uint32x2_t lane_sums(reg acc) noexcept { return vget_low_u32(vpaddq_u32(acc, acc)); }
    static void store_u32(std::uint32_t* out, reg acc) noexcept { vst1_u32(out, lane_sums(acc)); }
    static void store_dot_i32(std::int32_t* out, reg acc, std::int32_t k) noexcept {
        const uint32x2_t pc = lane_sums(acc);  // k - 2 pc formed mod 2^32: exact, |k - 2 pc| <= k < 2^31
        const uint32x2_t dot = vsub_u32(vdup_n_u32(static_cast<std::uint32_t>(k)), vadd_u32(pc, pc));
        vst1_s32(out, vreinterpret_s32_u32(dot));
    }
    static std::uint64_t reduce(reg acc) noexcept { return vaddlvq_u32(acc); }
};
template <class Arch>
neon_bit_ops<Arch> bit_ops_for(arch::neon, pick);

#if BITLA_FLAGS_NEON_DOTPROD
/// neon_dotprod (and neon_i8mm): the byte counts summed into the 32-bit halves by udot with
/// ones, one instruction where uaddlp + uadalp took two; the same halves, the same bounds.
template <class Arch>
struct neon_dotprod_bit_ops : neon_bit_ops<Arch> {
    using reg = typename neon_bit_ops<Arch>::reg;
    static reg xor_popcount_add(reg acc, reg a, reg b) noexcept {
        return vdotq_u32(acc, vcntq_u8(vreinterpretq_u8_u32(veorq_u32(a, b))), vdupq_n_u8(1));
    }
};
template <class Arch>
neon_dotprod_bit_ops<Arch> bit_ops_for(arch::neon_dotprod, pick);  // and neon_i8mm
#endif

}  // namespace kernels
BITLA_END_NAMESPACE
#endif
