// bitla/kernels/avx512bw/add_gemv_bits.hpp — the AVX-512 GEMV tile of binary (bits) codes:
// the panel's step block loaded once for all its rows (add_gemv.hpp routes to it).
#pragma once

#include "../../arch/table.hpp"

#if BITLA_FLAGS_AVX512BW

#include "intrinsics.hpp"

#include <cstddef>
#include <cstdint>

#include "../../core/add_layout.hpp"

#include "add_gemv_parts.hpp"

BITLA_BEGIN_NAMESPACE
namespace kernels {

template <class Arch>
struct Avx512GemvBits {
    using P = Avx512GemvParts<Arch>;
    using K = typename P::K;

    /// Bits codes (stored per panel, core/add_layout.hpp): step t's 64-byte block holds the
    /// codes of all the panel's rows, row r's in bit r. A tile of NR rows from panel row r0
    /// loads the block once per step and multiplies c & 2^(r0 + j), which is 2^(r0 + j)·q,
    /// straight into row j's accumulator (vpdpbusd, exact: |sum| <= 2^16 per step and lane,
    /// so rows up to `scaled_steps` steps), shifting each sum right by r0 + j (exactly) at a
    /// flush: one AND and one dot product per 64 weights and row. Two accumulators per row
    /// (even and odd steps) ungrouped, one grouped (its 8 float sums take the registers).
    /// Rows longer than `scaled_steps` take min(c & 2^r, 1) instead (codes 0/1: no growth).
    /// Why per panel: docs/performance.md, "Binary codes per panel".
    static constexpr std::size_t scaled_steps = 0x7fffffff / (4 * 128 * 128);

    template <int NR, bool Scaled>
    static BITLA_ALWAYS_INLINE void tile(const AddLayout& l, const AddRowsArgs& r, std::size_t n) noexcept {
        const std::uint8_t* p0 = r.w + l.row_offset(n);
        const std::size_t r0 = NR == 8 ? 0 : n % l.panel;  // 8-row tiles start a panel
        const std::uint8_t* code = p0 + l.bits_block(r0, 0);  // step t's block at code + 64 t
        const bool grouped = r.out_f != nullptr;
        typename P::template Prefetch<NR == 8> ahead(p0, grouped);
        const std::size_t per = grouped ? l.flush_steps() : l.steps;
        __m512i lo[std::size_t{NR}], hi[std::size_t{NR}], bit[std::size_t{NR}];
        __m512 y[std::size_t{NR}];
        for (int j = 0; j < NR; ++j) {
            lo[j] = hi[j] = _mm512_setzero_si512(), y[j] = _mm512_setzero_ps();
            bit[j] = K::row_bit(r0 + static_cast<std::size_t>(j));
        }
        const __m512i one = _mm512_set1_epi8(1);
        const auto select = [&](__m512i c, int j) __attribute__((always_inline)) {
            const __m512i q = _mm512_and_si512(c, bit[j]);
            if constexpr (Scaled) return q;
            else return _mm512_min_epu8(q, one);
        };
        const auto sum = [&](int j) __attribute__((always_inline)) {  // the row's exact sum so far (hi: 0 grouped)
            const __m512i v = _mm512_add_epi32(lo[j], hi[j]);
            if constexpr (Scaled) return _mm512_maskz_srai_epi32(0xffff, v, static_cast<unsigned>(r0 + static_cast<std::size_t>(j)));
            else return v;
        };
        for (std::size_t s0 = 0, g0 = 0; s0 < l.steps; s0 += per, g0 += 16) {
            if (!grouped) {  // per (all steps) is a multiple of 16
                for (std::size_t t = s0; t < s0 + per; t += 2) {
                    ahead.next();
                    ahead.next();
                    const __m512i c0 = _mm512_load_si512(code + 64 * t), c1 = _mm512_load_si512(code + 64 * t + 64);
                    const __m512i x0 = _mm512_load_si512(r.x + 64 * t), x1 = _mm512_load_si512(r.x + 64 * t + 64);
                    for (int j = 0; j < NR; ++j) {
                        lo[j] = K::dp(lo[j], select(c0, j), x0);
                        hi[j] = K::dp(hi[j], select(c1, j), x1);
                    }
                }
                continue;
            }
            for (std::size_t t = s0; t < s0 + per; ++t) {
                ahead.next();
                const __m512i c = _mm512_load_si512(code + 64 * t), xv = _mm512_load_si512(r.x + 64 * t);
                for (int j = 0; j < NR; ++j) lo[j] = K::dp(lo[j], select(c, j), xv);
            }
            P::template add_groups<NR>(l, r, p0, g0, y, [&](int j) __attribute__((always_inline)) {
                const __m512i v = sum(j);
                lo[j] = _mm512_setzero_si512();
                return v;
            });
        }
        ahead.finish(l);
        const std::size_t o = n - r.first;
        if (grouped) return P::template store_sums<NR>(y, r.out_f + o);
        for (int j = 0; j < NR; ++j) lo[j] = sum(j);
        P::template store_sums<NR>(lo, r.out_i + o);
    }
};

}  // namespace kernels
BITLA_END_NAMESPACE

#endif  // BITLA_FLAGS_AVX512BW
