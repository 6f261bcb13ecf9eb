// bitla/kernels/avx2/add_gemv_bits.hpp — the AVX2 GEMV over whole 8-row panels of binary
// (bits) codes, ungrouped: one 64-byte block a step serves the panel's 8 rows.
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
struct Avx2BitsPanel {
    using P = Avx2PanelGemv<Arch>;

    /// Bits codes, ungrouped: rows n .. n + 7 (a whole panel) into out[0 .. 7]. A step's one
    /// 64-byte block serves the panel's 8 rows (bit j of each byte: row j, core/add_layout.hpp).
    /// Row j multiplies c & 2^j (rows 0..3) or (c >> 4) & 2^(j-4) (rows 4..7) into its sums,
    /// which come out times 2^(j mod 4) and are shifted back per dword lane at the end (exact:
    /// every term is a multiple): one shift per half for the panel instead of one per row,
    /// 3 ops per row and half (docs/performance.md). A step adds at most 8·2·2·128 = 4096 to
    /// an int16 lane, so the accumulators are widened every 8 steps; a dword lane's scaled sum
    /// stays below 2^31 for every K the int32 bound admits (8·128·K/8 with K < 2^24).
    static void panel(const AddLayout& l, const std::uint8_t* w, const std::int8_t* x, std::size_t n,
                           std::int32_t* out) noexcept {
        const std::uint8_t* code = w + l.row_offset(n) + l.phys(l.code_offset());
        const __m256i ones16 = _mm256_set1_epi16(1);
        __m256i total[8];
        for (auto& v : total) v = _mm256_setzero_si256();
        // The int16 sums live only inside a block of 8 steps, so they stay in registers.
        for (std::size_t t0 = 0; t0 < l.steps; t0 += 8) {
            __m256i acc[8];
            for (auto& v : acc) v = _mm256_setzero_si256();
            const std::size_t t1 = t0 + 8 < l.steps ? t0 + 8 : l.steps;
            for (std::size_t t = t0; t < t1; ++t) {
                const __m256i c[2] = {_mm256_load_si256(reinterpret_cast<const __m256i*>(code + 64 * t)),
                                      _mm256_load_si256(reinterpret_cast<const __m256i*>(code + 64 * t + 32))};
                const __m256i c4[2] = {_mm256_srli_epi16(c[0], 4), _mm256_srli_epi16(c[1], 4)};
                const __m256i x0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(x + 64 * t));
                const __m256i x1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(x + 64 * t + 32));
                unrolled<8>([&](auto j) __attribute__((always_inline)) {
                    const __m256i bit = _mm256_set1_epi8(static_cast<char>(1 << (j % 4)));
                    const __m256i* src = j < 4 ? c : c4;
                    const __m256i q0 = _mm256_and_si256(src[0], bit), q1 = _mm256_and_si256(src[1], bit);
                    acc[j] = _mm256_add_epi16(acc[j], _mm256_add_epi16(_mm256_maddubs_epi16(q0, x0), _mm256_maddubs_epi16(q1, x1)));
                    __asm__("" : "+x"(acc[j]));  // pinned, as in Avx2PanelGemv::code2_block
                });
            }
            for (int j = 0; j < 8; ++j) total[j] = _mm256_add_epi32(total[j], _mm256_madd_epi16(acc[j], ones16));
        }
        for (int j = 0; j < 8; ++j) out[j] = P::hsum(_mm256_srai_epi32(total[j], j % 4));
    }
};

}  // namespace kernels
BITLA_END_NAMESPACE

#endif  // BITLA_FLAGS_AVX2
