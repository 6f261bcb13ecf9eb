// bitla/kernels/avx2/add_tile_code2.hpp — the AVX2 prefill tile for ungrouped code2 weights
// (ternary 2-bit, 2-bit planes): 4 activation rows x 2 weight rows, the GEMM's hot loop.
//
// Register plan (16 ymm): 8 int16 sums, one per (activation, weight) row pair, with both
// halves of a step added into the same one, which only an ungrouped sum allows (the shared
// tile keeps two per pair and fits 2 x 2); the two weight rows' code half and its decoded
// step; one activation half, shared by the two weight rows. A step adds at most
// 2·2·3·128 = 1536 to an int16 lane, so the sums are widened every 16 steps (a code block
// holds 4). Where it runs and how fast: docs/performance.md.
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_AVX2

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "../../core/add_layout.hpp"
#include "../add_kernels.hpp"
#include "../unrolled.hpp"
#include "add_gemv_panel.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
struct Avx2Code2Tile {
    static constexpr int mr = 4, nr = 2;
    static constexpr std::size_t widen_steps = 16;  ///< 16·1536 < 2^15

    /// Steps t .. t + 3 of one code block (only the first `cnt` where !Full).
    template <bool Full>
    static BITLA_ALWAYS_INLINE void block(const std::uint8_t* const (&c64)[nr], const std::int8_t* x,
                                          std::size_t x_stride, std::size_t cnt, __m256i (&acc)[mr][nr]) noexcept {
        const __m256i three = _mm256_set1_epi8(3);
        for (int h = 0; h < 2; ++h) {
            __m256i c[nr];
            for (int j = 0; j < nr; ++j) c[j] = _mm256_load_si256(reinterpret_cast<const __m256i*>(c64[j] + 32 * h));
            unrolled<4>([&](auto s) __attribute__((always_inline)) {
                if (!Full && std::size_t{s} >= cnt) return;
                __m256i q[nr];
                for (int j = 0; j < nr; ++j)
                    q[j] = _mm256_and_si256(s == 0 ? c[j] : _mm256_srli_epi16(c[j], 2 * s), three);
                unrolled<mr>([&](auto i) __attribute__((always_inline)) {
                    const __m256i xv = _mm256_load_si256(
                        reinterpret_cast<const __m256i*>(x + static_cast<std::size_t>(i) * x_stride + 64 * s + 32 * h));
                    unrolled<nr>([&](auto j) __attribute__((always_inline)) {
                        acc[i][j] = _mm256_add_epi16(acc[i][j], _mm256_maddubs_epi16(q[j], xv));
                        __asm__("" : "+x"(acc[i][j]));  // pinned: GCC reassociates the adds and spills
                    });
                });
            });
        }
    }

    /// The whole tile (a.m == mr, a.n == nr, ungrouped): one int32 sum per pair.
    static void tile(const AddLayout& l, const AddTileArgs& a) noexcept {
        const std::uint8_t* code[nr];
        for (int j = 0; j < nr; ++j) code[j] = a.w + static_cast<std::size_t>(j) * a.w_stride + l.phys(l.code_offset());
        const auto* x = static_cast<const std::int8_t*>(a.x);
        const std::size_t bs = l.block_stride(), full = a.steps / 4 * 4;
        const __m256i ones = _mm256_set1_epi16(1);
        __m256i total[mr][nr];
        for (auto& r : total)
            for (auto& v : r) v = _mm256_setzero_si256();
        for (std::size_t t0 = 0; t0 < a.steps; t0 += widen_steps) {
            // The int16 sums live only inside a group of widen_steps, so they stay in registers.
            __m256i acc[mr][nr];
            for (auto& r : acc)
                for (auto& v : r) v = _mm256_setzero_si256();
            const std::size_t t1 = t0 + widen_steps < a.steps ? t0 + widen_steps : a.steps;
            for (std::size_t t = t0; t < t1; t += 4) {
                const std::uint8_t* c64[nr];
                for (int j = 0; j < nr; ++j) c64[j] = code[j] + t / 4 * bs;
                if (t < full) block<true>(c64, x + 64 * t, a.x_stride, 4, acc);
                else block<false>(c64, x + 64 * t, a.x_stride, a.steps - t, acc);
            }
            for (int i = 0; i < mr; ++i)
                for (int j = 0; j < nr; ++j) total[i][j] = _mm256_add_epi32(total[i][j], _mm256_madd_epi16(acc[i][j], ones));
        }
        auto* out = static_cast<std::int32_t*>(a.out);
        for (int i = 0; i < mr; ++i)
            for (int j = 0; j < nr; ++j)
                out[static_cast<std::size_t>(i) * a.out_m + static_cast<std::size_t>(j) * a.out_n] =
                    Avx2PanelGemv<Arch>::hsum(total[i][j]);
    }
};

}  // namespace kernels
BITLA_END_NAMESPACE

#endif  // BITLA_FLAGS_AVX2
