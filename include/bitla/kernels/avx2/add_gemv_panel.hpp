// bitla/kernels/avx2/add_gemv_panel.hpp — the AVX2 GEMV over whole 8-row panels, ungrouped
// code2 weights (ternary 2-bit, 2-bit planes): the rows kernel's fast path.
//
// A panel's rows are interleaved 64 bytes at a time (core/add_layout.hpp), so computing all
// 8 rows at once reads the weights as one sequential stream, the pattern the hardware
// prefetchers follow best; a tile of fewer rows reads every 8th block of a panel per pass.
// Register plan (16 ymm): 8 int16 accumulators, one per row, with the step's two halves
// (dword lanes 0..7 and 8..15) added into the same one, which only an ungrouped sum
// allows; per row, its code block's half and temporaries; the activations are memory
// operands. A code block holds 4 steps: per half, steps 0 and 2 are c & 3 and (c >> 4) & 3,
// steps 1 and 3 are c & 12 and (c >> 4) & 12, whose products come out times 4 and are summed
// and shifted right by 2 (exact): one shift per half and one per row for 4 steps, where a
// shift per step takes three (+22% in L2). A block adds at most 4·1536 to an int16 lane
// (its times-4 sums reach 4·3072 before the shift), so the accumulators are widened
// (vpmaddwd by 1) into int32 every 16 steps. Measured rates: docs/performance.md.
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

    /// A whole code block (4 steps) of the panel's 8 rows into their accumulators.
    static BITLA_ALWAYS_INLINE void code2_block(const std::uint8_t* blk, const std::int8_t* x, __m256i (&acc)[8]) noexcept {
        const __m256i three = _mm256_set1_epi8(3), twelve = _mm256_set1_epi8(12);
        const auto xs = [&](int s, int h) __attribute__((always_inline)) {
            return _mm256_load_si256(reinterpret_cast<const __m256i*>(x + 64 * s + 32 * h));
        };
        unrolled<8>([&](auto j) __attribute__((always_inline)) {
            __m256i ones = _mm256_setzero_si256(), fours = _mm256_setzero_si256();
            for (int h = 0; h < 2; ++h) {
                const __m256i c = _mm256_load_si256(reinterpret_cast<const __m256i*>(blk + 64 * j + 32 * h));
                const __m256i t = _mm256_srli_epi16(c, 4);
                ones = _mm256_add_epi16(ones, _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(c, three), xs(0, h)),
                                                               _mm256_maddubs_epi16(_mm256_and_si256(t, three), xs(2, h))));
                fours = _mm256_add_epi16(fours, _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(c, twelve), xs(1, h)),
                                                                 _mm256_maddubs_epi16(_mm256_and_si256(t, twelve), xs(3, h))));
            }
            acc[j] = _mm256_add_epi16(acc[j], _mm256_add_epi16(ones, _mm256_srai_epi16(fours, 2)));
            __asm__("" : "+x"(acc[j]));  // pinned: GCC reassociates the adds across rows and spills
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
        // No software prefetch: the hardware follows the sequential stream; 8 lines per block
        // 2-16 KiB ahead measured lower (docs/performance.md).
        for (std::size_t t = 0; t < l.steps; t += 4) {
            code2_block(code + t / 4 * bs, x + 64 * t, acc);
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
