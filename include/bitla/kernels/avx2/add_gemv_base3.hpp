// bitla/kernels/avx2/add_gemv_base3.hpp — the AVX2 GEMV over whole 8-row panels of base-3
// codes (five trits per byte, core/ternary_base3.hpp), ungrouped: the rows kernel's fast path.
//
// A panel's code blocks (5 steps, 64 bytes a row) lie 8 rows side by side, so the panel is
// read as one sequential stream. A row's block is decoded in the signed domain: b' = b ^ 0x80
// turns the trit thresholds (b >= 86, b >= 171) into two signed compares (b' > -43, b' > 42)
// where unsigned ones take a max and a compare each, and b = 3b mod 256 stays two adds there
// (3(b - 128) = 3b - 128 mod 256). The two compare masks add up to -t, which multiplies
// x + 128 (the driver's AddRowsArgs::xu) as vpmaddubsw's unsigned operand, so no op turns
// -t into t: Σ x·t = -Σ (x + 128)·(-t) - 128·Σ t, Σ t per row stored by pack_add
// (AddWeights::code_sums). Per trit and half: 2 compares, 1 add, 2 adds (×3), vpmaddubsw,
// the add into the row's int16 sums; docs/performance.md.
// A step adds at most 2·2·2·255 = 2040 to an int16 lane (both halves into the same lane:
// the sum is ungrouped), so the sums are widened every 3 blocks (15 steps).
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_AVX2

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "../../core/add_layout.hpp"
#include "../unrolled.hpp"
#include "add_gemv_panel.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
struct Avx2Base3Panel {
    static constexpr std::size_t widen_blocks = 3;  ///< 15 steps · 2040 < 2^15

    /// Row block `c64` (trits of steps t .. t + cnt - 1, cnt <= 5) against xu + 64t into
    /// acc: acc -= Σ (x + 128)·t.
    template <bool Full>
    static BITLA_ALWAYS_INLINE void row_block(const std::uint8_t* c64, const std::uint8_t* xu, std::size_t cnt,
                                              __m256i& acc) noexcept {
        const __m256i sign = _mm256_set1_epi8(static_cast<char>(0x80));
        __m256i lo = _mm256_set1_epi8(-43), hi = _mm256_set1_epi8(42);
        // Opaque constants: knowing them, GCC turns each compare into vpminsb + vpcmpeqb.
        __asm__("" : "+x"(lo), "+x"(hi));
        __m256i c[2] = {_mm256_xor_si256(_mm256_load_si256(reinterpret_cast<const __m256i*>(c64)), sign),
                        _mm256_xor_si256(_mm256_load_si256(reinterpret_cast<const __m256i*>(c64 + 32)), sign)};
        unrolled<5>([&](auto s) __attribute__((always_inline)) {
            if (!Full && std::size_t{s} >= cnt) return;
            for (int h = 0; h < 2; ++h) {
                const __m256i m1 = _mm256_cmpgt_epi8(c[h], lo), m2 = _mm256_cmpgt_epi8(c[h], hi);
                const __m256i neg_t = _mm256_add_epi8(m1, m2);
                const __m256i xs = _mm256_load_si256(reinterpret_cast<const __m256i*>(xu + 64 * s + 32 * h));
                acc = _mm256_add_epi16(acc, _mm256_maddubs_epi16(xs, neg_t));
                if constexpr (s < 4) c[h] = _mm256_add_epi8(_mm256_add_epi8(c[h], c[h]), c[h]);
            }
        });
        __asm__("" : "+x"(acc));  // pinned: GCC otherwise merges the rows' chains and spills
    }

    /// Rows n .. n + 7 (a whole panel, n % 8 == 0) into out[0 .. 7]: exact Σ t·x per row,
    /// from xu = x + 128 and the rows' code sums qsum[0 .. 7].
    static void panel(const AddLayout& l, const std::uint8_t* w, const std::uint8_t* x, const std::int32_t* qsum,
                      std::size_t n, std::int32_t* out) noexcept {
        const std::uint8_t* code = w + l.row_offset(n) + l.phys(l.code_offset());
        const std::size_t bs = l.block_stride(), full = l.steps / 5, blocks = (l.steps + 4) / 5;
        const __m256i ones = _mm256_set1_epi16(1);
        __m256i total[8];
        for (auto& v : total) v = _mm256_setzero_si256();
        for (std::size_t b0 = 0; b0 < blocks; b0 += widen_blocks) {
            __m256i acc[8];
            for (auto& v : acc) v = _mm256_setzero_si256();
            const std::size_t b1 = b0 + widen_blocks < blocks ? b0 + widen_blocks : blocks;
            for (std::size_t b = b0; b < b1; ++b) {
                const std::uint8_t* blk = code + b * bs;
                const std::uint8_t* xb = x + 320 * b;
                if (b < full) {
                    unrolled<8>([&](auto j) __attribute__((always_inline)) {
                        row_block<true>(blk + 64 * j, xb, 5, acc[j]);
                    });
                } else {
                    for (int j = 0; j < 8; ++j) row_block<false>(blk + 64 * j, xb, l.steps - 5 * b, acc[j]);
                }
            }
            for (int j = 0; j < 8; ++j) total[j] = _mm256_add_epi32(total[j], _mm256_madd_epi16(acc[j], ones));
        }
        for (int j = 0; j < 8; ++j) out[j] = -Avx2PanelGemv<Arch>::hsum(total[j]) - 128 * qsum[j];
    }
};

}  // namespace kernels
BITLA_END_NAMESPACE

#endif  // BITLA_FLAGS_AVX2
