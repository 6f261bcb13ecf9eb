// bitla/kernels/avx2/add_gemv_panel.hpp — the AVX2 GEMV over whole 8-row panels, ungrouped
// code2 weights (ternary 2-bit, 2-bit planes): the rows kernel's fast path.
//
// A panel's rows are interleaved 64 bytes at a time (core/add_layout.hpp), so computing all
// 8 rows at once reads the weights as one sequential stream, the pattern the hardware
// prefetchers follow best; a tile of fewer rows reads every 8th block of a panel per pass.
// Register plan (16 ymm): 8 int16 accumulators, one per row, with the step's two halves
// (dword lanes 0..7 and 8..15) added into the same one, which only an ungrouped sum
// allows; the step's activations (2); the code mask; temporaries. Per row and step: two
// loads of the row's code block (4 steps per block), a shift and an AND per half (none for
// the block's first step), two vpmaddubsw and two vpaddw. A step adds at most
// 2·2·3·128 = 1536 to an int16 lane, so the accumulators are widened (vpmaddwd by 1) into
// int32 every 16 steps. Measured rates: docs/performance.md.
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_AVX2

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "../../core/add_layout.hpp"

namespace bitla::inline v0::kernels {

/// f(integral_constant<int, 0>) .. f(integral_constant<int, N - 1>), unrolled whatever the
/// optimisation level (a rolled row loop kept the accumulators in memory).
template <int N, class F>
BITLA_ALWAYS_INLINE void unrolled(F&& f) noexcept {
    [&]<int... J>(std::integer_sequence<int, J...>) __attribute__((always_inline)) {
        (f(std::integral_constant<int, J>{}), ...);
    }(std::make_integer_sequence<int, N>{});
}

template <class Arch>
struct Avx2PanelGemv {
    static constexpr std::size_t widen_steps = 16;  ///< 16·1536 < 2^15

    /// One step s (0..3) of the block's codes: each row's codes times the step's activations.
    template <int S>
    static BITLA_ALWAYS_INLINE void code2_step(const std::uint8_t* blk, const std::int8_t* x, __m256i (&acc)[8]) noexcept {
        const __m256i three = _mm256_set1_epi8(3);
        const __m256i x0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(x));
        const __m256i x1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(x + 32));
        unrolled<8>([&](auto j) __attribute__((always_inline)) {
            __m256i c0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(blk + 64 * j));
            __m256i c1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(blk + 64 * j + 32));
            if constexpr (S != 0) {
                c0 = _mm256_srli_epi16(c0, 2 * S);
                c1 = _mm256_srli_epi16(c1, 2 * S);
            }
            const __m256i p0 = _mm256_maddubs_epi16(_mm256_and_si256(c0, three), x0);
            const __m256i p1 = _mm256_maddubs_epi16(_mm256_and_si256(c1, three), x1);
            acc[j] = _mm256_add_epi16(acc[j], _mm256_add_epi16(p0, p1));
            // Pinned: GCC otherwise reassociates the adds across steps, keeping every step's
            // products live at once, and spills them.
            __asm__("" : "+x"(acc[j]));
        });
    }

    /// Rows n .. n + 7 (a whole panel, n % 8 == 0) into out[0 .. 7]: exact Σ q·x per row.
    static void code2_panel(const AddLayout& l, const std::uint8_t* w, const std::int8_t* x, std::size_t n,
                            std::int32_t* out) noexcept {
        const std::uint8_t* code = w + l.row_offset(n) + l.phys(l.code_offset());
        const std::size_t bs = l.block_stride();
        const __m256i ones = _mm256_set1_epi16(1);
        __m256i total[8], acc[8];
        for (int j = 0; j < 8; ++j) total[j] = acc[j] = _mm256_setzero_si256();
        for (std::size_t t = 0; t < l.steps; t += 4) {
            const std::uint8_t* blk = code + t / 4 * bs;
            const std::int8_t* xt = x + 64 * t;
            // Each step reloads the block from L1: kept in registers across the 4 steps (as
            // the compiler would, seeing the same addresses) the 16 code registers and the 8
            // accumulators spill. The empty asm makes the pointer opaque between steps.
            code2_step<0>(blk, xt, acc);
            __asm__("" : "+r"(blk));
            code2_step<1>(blk, xt + 64, acc);
            __asm__("" : "+r"(blk));
            code2_step<2>(blk, xt + 128, acc);
            __asm__("" : "+r"(blk));
            code2_step<3>(blk, xt + 192, acc);
            if ((t + 4) % widen_steps == 0 || t + 4 == l.steps)
                for (int j = 0; j < 8; ++j) {
                    total[j] = _mm256_add_epi32(total[j], _mm256_madd_epi16(acc[j], ones));
                    acc[j] = _mm256_setzero_si256();
                }
        }
        for (int j = 0; j < 8; ++j) {
            const __m128i s = _mm_add_epi32(_mm256_castsi256_si128(total[j]), _mm256_extracti128_si256(total[j], 1));
            const __m128i u = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
            out[j] = _mm_cvtsi128_si32(_mm_add_epi32(u, _mm_shuffle_epi32(u, 0xb1)));
        }
    }
};

}  // namespace bitla::inline v0::kernels

#endif  // BITLA_FLAGS_AVX2
