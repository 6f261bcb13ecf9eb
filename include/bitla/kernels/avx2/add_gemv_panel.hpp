// bitla/kernels/avx2/add_gemv_panel.hpp — the AVX2 GEMV over whole 8-row panels of code2
// weights (ternary 2-bit, 2-bit planes), ungrouped: the rows kernel's fast path, and the
// parts the other panel kernels share (the code block decode, fp16 and horizontal sums):
// bits in add_gemv_bits.hpp, grouped code2 (HQQ) in add_gemv_grouped.hpp, base3 in
// add_gemv_base3.hpp.
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
// shift per step takes three. A block adds at most 4·1536 to an int16 lane (its times-4
// sums reach 4·3072 before the shift), so the accumulators are widened (vpmaddwd by 1) into
// int32 every 16 steps. Measured rates: docs/performance.md.
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_AVX2

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "../../core/add_layout.hpp"
#include "../add_kernels.hpp"
#include "../unrolled.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
struct Avx2PanelGemv {
    static constexpr std::size_t widen_steps = 16;  ///< 16·1536 < 2^15

    /// Eight fp16 values (finite) to floats with integer ops: magnitude << 13 scaled by
    /// 2^112 (exact for normals and subnormals), then the sign. F16C's vcvtph2ps measured
    /// slower in the grouped GEMV (docs/performance.md).
    static BITLA_ALWAYS_INLINE __m256 half8(const std::uint16_t* p) noexcept {
        const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
        const __m256i mag = _mm256_slli_epi32(_mm256_and_si256(v, _mm256_set1_epi32(0x7fff)), 13);
        const __m256 f = _mm256_mul_ps(_mm256_castsi256_ps(mag), _mm256_set1_ps(0x1p112f));
        const __m256i sign = _mm256_slli_epi32(_mm256_and_si256(v, _mm256_set1_epi32(0x8000)), 16);
        return _mm256_or_ps(f, _mm256_castsi256_ps(sign));
    }

    static BITLA_ALWAYS_INLINE float hsum_ps(__m256 v) noexcept {
        const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
        return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
    }

    /// Row j's sums of one code block (4 steps), halves apart: lo = dword lanes 0..7, hi = 8..15
    /// as int16 pairs (each at most 4·768 + 4·768).
    static BITLA_ALWAYS_INLINE void code2_block_row(const std::uint8_t* c64, const std::int8_t* x, __m256i& lo,
                                                    __m256i& hi) noexcept {
        const __m256i three = _mm256_set1_epi8(3), twelve = _mm256_set1_epi8(12);
        __m256i out[2];
        for (int h = 0; h < 2; ++h) {
            const auto xs = [&](int s) __attribute__((always_inline)) {
                return _mm256_load_si256(reinterpret_cast<const __m256i*>(x + 64 * s + 32 * h));
            };
            const __m256i c = _mm256_load_si256(reinterpret_cast<const __m256i*>(c64 + 32 * h));
            const __m256i t = _mm256_srli_epi16(c, 4);
            const __m256i ones = _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(c, three), xs(0)),
                                                  _mm256_maddubs_epi16(_mm256_and_si256(t, three), xs(2)));
            const __m256i fours = _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(c, twelve), xs(1)),
                                                   _mm256_maddubs_epi16(_mm256_and_si256(t, twelve), xs(3)));
            out[h] = _mm256_add_epi16(ones, _mm256_srai_epi16(fours, 2));
        }
        lo = out[0];
        hi = out[1];
    }

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
        __m256i total[8];
        for (auto& v : total) v = _mm256_setzero_si256();
        // No software prefetch: the hardware follows the sequential stream, and prefetching
        // ahead of it is slower (docs/performance.md). The int16 sums live only inside
        // a group of widen_steps, so they stay in registers.
        for (std::size_t t0 = 0; t0 < l.steps; t0 += widen_steps) {
            __m256i acc[8];
            for (auto& v : acc) v = _mm256_setzero_si256();
            const std::size_t t1 = t0 + widen_steps < l.steps ? t0 + widen_steps : l.steps;
            for (std::size_t t = t0; t < t1; t += 4) code2_block(code + t / 4 * bs, x + 64 * t, acc);
            for (int j = 0; j < 8; ++j) total[j] = _mm256_add_epi32(total[j], _mm256_madd_epi16(acc[j], ones));
        }
        for (int j = 0; j < 8; ++j) out[j] = hsum(total[j]);
    }

    static BITLA_ALWAYS_INLINE std::int32_t hsum(__m256i v) noexcept {
        const __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
        const __m128i u = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
        return _mm_cvtsi128_si32(_mm_add_epi32(u, _mm_shuffle_epi32(u, 0xb1)));
    }
};

}  // namespace kernels
BITLA_END_NAMESPACE

#endif  // BITLA_FLAGS_AVX2
